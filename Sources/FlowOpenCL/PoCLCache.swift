import FlowCore
import FlowKernelDevice
import Foundation

/// PoCL (the CPU OpenCL driver) lists no device at all when it cannot create its kernel cache
/// directory, `$POCL_CACHE_DIR`, else `$XDG_CACHE_HOME/pocl/kcache`, else `~/.cache/pocl/kcache`:
/// a service user or a container with an unwritable `HOME` then sees "no OpenCL platform" with
/// PoCL installed. Before the first OpenCL call, when that default cannot be created and the
/// user chose none, point PoCL at a writable place: beside flowkit's own kernel cache, else in
/// the temporary directory.
enum PoCLCache {
    /// Where PoCL's cache was pointed, when it was. A static `let` is initialised once, on first
    /// use, under the runtime's lock: the environment is changed once, before any OpenCL call.
    static let redirected: String? = {
        let environment = ProcessInfo.processInfo.environment
        guard environment["POCL_CACHE_DIR"]?.isEmpty ?? true else { return nil }
        let base = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? environment["HOME"].map { "\($0)/.cache" }
        if let base, creatable("\(base)/pocl/kcache") { return nil }
        var candidates: [String] = []
        if let kernels = ProgramBinaryCache.standard().directory { candidates.append(kernels.appendingPathComponent("pocl").path) }
        candidates.append(FileManager.default.temporaryDirectory.appendingPathComponent("flowkit-pocl-\(getuid())").path)
        guard let writable = candidates.first(where: creatable) else { return nil }
        setenv("POCL_CACHE_DIR", writable, 1)
        return writable
    }()

    /// Call before OpenCL discovery.
    static func prepare() { _ = redirected }

    /// Whether `path` exists as a writable folder or can be created as one.
    private static func creatable(_ path: String) -> Bool {
        (try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)) != nil
            && access(path, W_OK) == 0
    }

    /// Installed OpenCL drivers (ICD files), to tell "no driver" from "a driver that lists nothing".
    static func installedDrivers() -> [String] {
        let folder = ProcessInfo.processInfo.environment["OCL_ICD_VENDORS"] ?? "/etc/OpenCL/vendors"
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".icd") }.sorted()
    }
}
