import Foundation

/// The kernel sources in this folder (OpenCL C that is also CUDA C++, see `common.cl`), embedded
/// into the binary at build time so a built `flowkit` never looks for files at run time. Setting
/// `FLOWKIT_KERNEL_DIR` to a folder makes `source(named:)` read `<name>.cl` from there instead,
/// for kernel development without rebuilds.
public enum KernelSources {
    /// Every kernel file except `common.cl`, which is prepended to each of them.
    public static let programNames = ["gemm", "conv", "coupling", "spline", "mixture", "reduce", "elementwise", "channel", "layout", "adam", "random"]

    /// What a backend compiles for kernel file `<name>.cl`: `common.cl`, then the file. The OpenCL
    /// backend builds this text as OpenCL C and NVRTC compiles the same text as CUDA C++;
    /// `common.cl` selects the dialect, so the two cannot drift apart.
    public static func programSource(named name: String) throws -> String {
        try programSource(name: name, body: source(named: name))
    }

    /// `common.cl` followed by `body`, which compiler messages call `<name>.cl`.
    public static func programSource(name: String, body: String) throws -> String {
        // The #line directives make build logs give the file and line an error is in, rather
        // than a line number in the concatenation.
        let common = try source(named: "common")
        return "#line 1 \"common.cl\"\n" + common + "\n#line 1 \"\(name).cl\"\n" + body
    }

    /// Source text of `<name>.cl`.
    public static func source(named name: String) throws -> String {
        if let directory = ProcessInfo.processInfo.environment["FLOWKIT_KERNEL_DIR"], !directory.isEmpty {
            let path = (directory as NSString).appendingPathComponent("\(name).cl")
            do {
                return try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw KernelSourceError(message: "cannot read \(path) (FLOWKIT_KERNEL_DIR is set): \(error.localizedDescription)")
            }
        }
        guard let bytes = embedded[name] else {
            throw KernelSourceError(message: "no embedded kernel file named '\(name).cl'")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static let embedded: [String: [UInt8]] = [
        "common": PackageResources.common_cl,
        "gemm": PackageResources.gemm_cl,
        "conv": PackageResources.conv_cl,
        "coupling": PackageResources.coupling_cl,
        "spline": PackageResources.spline_cl,
        "mixture": PackageResources.mixture_cl,
        "reduce": PackageResources.reduce_cl,
        "elementwise": PackageResources.elementwise_cl,
        "channel": PackageResources.channel_cl,
        "layout": PackageResources.layout_cl,
        "adam": PackageResources.adam_cl,
        "random": PackageResources.random_cl,
    ]
}

/// A kernel source that could not be found or read.
public struct KernelSourceError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
