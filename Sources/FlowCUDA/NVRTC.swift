import FlowCore
import FlowKernelDevice
import Foundation

/// NVRTC, NVIDIA's run-time compiler from CUDA C++ to PTX, opened with `dlopen` when asked for.
///
/// flowkit has no link-time dependency on CUDA: the binary builds and runs without it, and only
/// code that calls `NVRTC.load` needs `libnvrtc.so.12`, from a CUDA 12 toolkit or from the PyPI
/// wheel `nvidia-cuda-nvrtc-cu12` (which `.ci/install-packages` installs into `.cuda/nvrtc`).
/// Compiling needs no GPU and no CUDA driver.
public final class NVRTC: @unchecked Sendable {
    // @unchecked: every stored property is immutable after init, and `lock` serializes the calls
    // into the library, so callers need not know which NVRTC releases are thread-safe.

    /// The environment variable naming a directory that holds `libnvrtc.so.12`.
    public static let directoryVariable = "FLOWKIT_NVRTC_DIR"
    /// The major version pins the C API `NVRTCFunctions` is written against.
    public static let libraryName = "libnvrtc.so.12"

    /// The path or name the library was opened by.
    public var libraryPath: String { library.path }
    /// NVRTC's own version (`nvrtcVersion`), e.g. 12.9.
    public let version: (major: Int, minor: Int)

    private let library: DynamicLibrary
    private let api: NVRTCFunctions
    private let lock = NSLock()

    /// Opens NVRTC: from `$FLOWKIT_NVRTC_DIR` when that is set (an explicit choice wins), then by
    /// name through the dynamic linker's search path (`LD_LIBRARY_PATH`, the system's libraries),
    /// then from each of `fallbackDirectories`. Throws `DynamicLibraryError.notFound` listing
    /// every attempt when none opens.
    public static func load(
        fallbackDirectories: [String] = [], environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> NVRTC {
        var candidates: [String] = []
        if let directory = environment[directoryVariable], !directory.isEmpty {
            candidates.append((directory as NSString).appendingPathComponent(libraryName))
        }
        candidates.append(libraryName)
        candidates += fallbackDirectories.map { ($0 as NSString).appendingPathComponent(libraryName) }
        return try NVRTC(try DynamicLibrary.open("NVRTC (\(libraryName))", candidates: candidates))
    }

    /// Where NVRTC is looked for after `$FLOWKIT_NVRTC_DIR` and the linker's path: next to the
    /// binary (a carried bundle, also in `nvrtc/`) and the usual CUDA toolkit folders.
    public static var standardFallbackDirectories: [String] {
        var directories: [String] = []
        if let executable = Bundle.main.executableURL?.deletingLastPathComponent() {
            directories += [executable.path, executable.appendingPathComponent("nvrtc").path]
        }
        return directories + ["/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/lib/x86_64-linux-gnu"]
    }

    private init(_ library: DynamicLibrary) throws {
        let api = try NVRTCFunctions(library)
        var major: Int32 = 0
        var minor: Int32 = 0
        let status = api.version(&major, &minor)
        guard status == 0 else {
            throw NVRTCError.call(function: "nvrtcVersion", code: status, message: Self.message(api, status))
        }
        self.library = library
        self.api = api
        version = (Int(major), Int(minor))
    }

    /// Compiles CUDA C++ `source` to PTX. `name` is the program's name in NVRTC's messages;
    /// `options` are NVRTC options (`--gpu-architecture=compute_90`, `-DNAME=value`...). Throws
    /// `NVRTCError.compilation` with the compile log when the source does not compile.
    public func compileToPTX(source: String, name: String, options: [String]) throws -> String {
        try compile(source: source, name: name, options: options).ptx
    }

    /// `compileToPTX`, also returning the compile log (warnings and remarks of a successful build).
    public func compile(source: String, name: String, options: [String]) throws -> (ptx: String, log: String) {
        try build(source: source, name: name, options: options) { program in
            try text(program, size: api.getPTXSize, read: api.getPTX, "nvrtcGetPTX")
        }
    }

    /// Compiles CUDA C++ `source` to a CUBIN, the machine code of the real architecture `options`
    /// name (`--gpu-architecture=sm_90`), which the driver loads without compiling anything; also
    /// returns the compile log. Throws `NVRTCError.invalidArgument` when the options name a
    /// virtual architecture (`compute_90`), for which NVRTC makes PTX only.
    public func compileToCUBIN(source: String, name: String, options: [String]) throws -> (cubin: [UInt8], log: String) {
        try build(source: source, name: name, options: options) { program in
            var count = 0
            try check(api.getCUBINSize(program, &count), "nvrtcGetCUBINSize")
            guard count > 0 else {
                throw NVRTCError.invalidArgument(detail: "no CUBIN for \(name): compile for a real architecture (sm_XY), not a virtual one")
            }
            var bytes = [CChar](repeating: 0, count: count)
            try check(api.getCUBIN(program, &bytes), "nvrtcGetCUBIN")
            return bytes.map { UInt8(bitPattern: $0) }
        }
    }

    /// Compiles `source` and reads `output` from the compiled program; also returns the log.
    /// Throws `NVRTCError.compilation` with the log when the source does not compile.
    private func build<Output>(
        source: String, name: String, options: [String], output: (OpaquePointer?) throws -> Output
    ) throws -> (Output, String) {
        lock.lock()
        defer { lock.unlock() }
        var program: OpaquePointer?
        let created = source.withCString { text in name.withCString { api.createProgram(&program, text, $0, 0, nil, nil) } }
        try check(created, "nvrtcCreateProgram(\(name))")
        defer { _ = api.destroyProgram(&program) }
        let status = try Self.withCStrings(options) { api.compileProgram(program, Int32(options.count), $0) }
        let log = try text(program, size: api.getProgramLogSize, read: api.getProgramLog, "nvrtcGetProgramLog")
        guard status == 0 else {
            throw NVRTCError.compilation(program: name, message: Self.message(api, status), log: log)
        }
        return (try output(program), log)
    }

    /// A NUL-terminated text of the program (log or PTX), read by its size and read calls.
    private func text(
        _ program: OpaquePointer?, size: NVRTCFunctions.GetSize, read: NVRTCFunctions.GetText, _ function: String
    ) throws -> String {
        var count = 0
        try check(size(program, &count), function + "Size")
        var bytes = [CChar](repeating: 0, count: max(count, 1))
        try check(read(program, &bytes), function)
        return String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private func check(_ status: Int32, _ function: String) throws {
        guard status != 0 else { return }
        throw NVRTCError.call(function: function, code: status, message: Self.message(api, status))
    }

    private static func message(_ api: NVRTCFunctions, _ status: Int32) -> String {
        guard let text = api.getErrorString(status) else { return "NVRTC error \(status)" }
        return String(cString: text)
    }

    /// Calls `body` with a C array of copies of `strings`, valid only during the call.
    private static func withCStrings<Result>(
        _ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> Result
    ) throws -> Result {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        guard copies.allSatisfy({ $0 != nil }) else {
            throw NVRTCError.invalidArgument(detail: "could not copy the options for C")
        }
        let pointers: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}
