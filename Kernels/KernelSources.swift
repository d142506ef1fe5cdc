import Foundation

/// The OpenCL C sources in this folder, embedded into the binary at build time so a built
/// `flowkit` never looks for files at run time. Setting `FLOWKIT_KERNEL_DIR` to a folder makes
/// `source(named:)` read `<name>.cl` from there instead, for kernel development without rebuilds.
public enum KernelSources {
    /// Every kernel file except `common.cl`, which is prepended to each of them.
    public static let programNames = ["gemm", "conv", "coupling", "spline", "mixture", "reduce", "elementwise", "channel", "layout", "adam", "random"]

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
