import FlowCore
import FlowKernelDevice
import Foundation

/// NVRTC, NVIDIA's run-time compiler from CUDA C++ to PTX, opened with `dlopen` when asked for.
///
/// flowkit has no link-time dependency on CUDA: the binary builds and runs without it, and only
/// code that calls `NVRTC.load` needs `libnvrtc.so.13` or `libnvrtc.so.12`, from a CUDA toolkit or
/// from a PyPI wheel (`nvidia-cuda-nvrtc` 13.x, `nvidia-cuda-nvrtc-cu12`; `.ci/install-packages`
/// installs both into `.cuda/`). `NVRTCLocation` says where it is looked for. Compiling needs no
/// GPU and no CUDA driver.
public final class NVRTC: @unchecked Sendable {
    // @unchecked: every stored property is immutable after init, and `lock` serializes the calls
    // into the library, so callers need not know which NVRTC releases are thread-safe.

    /// The environment variable naming a folder that holds NVRTC.
    public static let directoryVariable = NVRTCLocation.directoryVariable

    /// The path or name the library was opened by.
    public var libraryPath: String { library.path }
    /// NVRTC's own version (`nvrtcVersion`), e.g. 13.0.
    public let version: (major: Int, minor: Int)
    /// The builtins library opened for NVRTC (`libnvrtc-builtins.so.<major>.<minor>`), or nil
    /// with `builtinsProblem` saying why.
    public var builtinsPath: String? { builtins?.path }
    /// Why the builtins library could not be opened beside NVRTC (NVRTC 12.x may still find it
    /// itself; 13.x then fails every compile with NVRTC_ERROR_BUILTIN_OPERATION_FAILURE).
    public let builtinsProblem: String?

    private let library: DynamicLibrary
    /// Held for as long as NVRTC is: NVRTC 13 finds its builtins only among the loaded libraries.
    private let builtins: DynamicLibrary?
    private let api: NVRTCFunctions
    private let lock = NSLock()

    /// NVRTC_ERROR_BUILTIN_OPERATION_FAILURE (nvrtc.h): what every compile returns when NVRTC
    /// cannot open its builtins library.
    static let builtinOperationFailure: Int32 = 7

    /// Opens NVRTC from the first of `NVRTCLocation.candidates` that opens: `$FLOWKIT_NVRTC_DIR`,
    /// the dynamic linker's search path, then `fallbackDirectories`, each with `libnvrtc.so.13`
    /// and `libnvrtc.so.12` (those a CUDA driver of `driverMajor` loads the output of first).
    /// Throws `DynamicLibraryError.notFound` listing every attempt when none opens.
    public static func load(
        fallbackDirectories: [String] = [], environment: [String: String] = ProcessInfo.processInfo.environment,
        driverMajor: Int? = nil
    ) throws -> NVRTC {
        try open(NVRTCLocation.candidates(fallbackDirectories: fallbackDirectories, environment: environment, driverMajor: driverMajor))
    }

    /// Opens the NVRTC in `directory` and nowhere else (`libnvrtc.so.13`, then `.so.12`).
    public static func load(directory: String) throws -> NVRTC {
        try open(NVRTCLocation.candidates(inDirectory: directory))
    }

    private static func open(_ candidates: [String]) throws -> NVRTC {
        try NVRTC(try DynamicLibrary.open("NVRTC (\(NVRTCLocation.sonamesDescription))", candidates: candidates))
    }

    /// Where NVRTC is looked for after `$FLOWKIT_NVRTC_DIR` and the linker's path: next to the
    /// binary (a carried bundle, also in `nvrtc/`), the usual CUDA toolkit folders, and the folders
    /// of NVIDIA's Python wheels in every site-packages folder (PyTorch's pip install brings one).
    public static var standardFallbackDirectories: [String] {
        var directories: [String] = []
        if let executable = Bundle.main.executableURL?.deletingLastPathComponent() {
            directories += [executable.path, executable.appendingPathComponent("nvrtc").path]
        }
        directories += ["/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/lib/x86_64-linux-gnu"]
        return directories + NVRTCLocation.wheelDirectories(sitePackages: PythonSitePackages.folders())
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
        do {
            builtins = try DynamicLibrary.open(
                "NVRTC's builtins", candidates: NVRTCLocation.builtinsCandidates(libraryFile: library.path, version: version))
            builtinsProblem = nil
        } catch {
            builtins = nil
            builtinsProblem = "\(error)"
        }
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
            var message = Self.message(api, status)
            if status == Self.builtinOperationFailure, let builtinsProblem { message += "; \(builtinsProblem)" }
            throw NVRTCError.compilation(program: name, message: message, log: log)
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
