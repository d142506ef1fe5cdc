import FlowCore
import FlowKernelDevice

/// The CUDA driver (`libcuda.so.1`), opened with `dlopen` and initialised (`cuInit`) once per
/// process by `CUDAProvider`. flowkit does not link against CUDA: where the driver is absent, it
/// lists no CUDA device and says why.
public final class CUDADriver: @unchecked Sendable {
    // @unchecked: the stored properties are immutable after init, and the driver API is thread-safe.

    /// The driver's soname: the major version pins the ABI that `CUDADriverFunctions` is written against.
    public static let libraryName = "libcuda.so.1"

    /// Where the driver is looked for: its soname on the dynamic linker's search path, then the
    /// folders container runtimes mount the host's driver into without registering it with the
    /// linker (`/usr/local/nvidia/lib64` of NVIDIA's device plugin images, WSL's `/usr/lib/wsl/lib`).
    public static let standardCandidates = [libraryName, "/usr/local/nvidia/lib64/\(libraryName)", "/usr/lib/wsl/lib/\(libraryName)"]

    /// The path or name the library was opened by.
    public var libraryPath: String { library.path }
    /// The CUDA version the driver supports (`cuDriverGetVersion`), e.g. 12.4.
    public let version: (major: Int, minor: Int)

    let api: CUDADriverFunctions
    private let library: DynamicLibrary

    /// A device found by `devices()`: its ordinal (`CUdevice`), listing and architecture.
    struct Found: Sendable {
        let ordinal: Int32
        let info: DeviceInfo
        /// The real architecture NVRTC compiles for, from the compute capability: `sm_90` on an H100.
        let architecture: String
        let maxThreadsPerBlock: Int
    }

    /// Opens the driver from the first of `candidates` that opens and initialises it. Throws
    /// `DynamicLibraryError.notFound` with every attempt when none opens, `.missingSymbol` when the
    /// library lacks an entry point, and `FlowError.cuda` when `cuInit` fails (no device, no
    /// permission, a driver/kernel-module mismatch).
    static func load(candidates: [String] = standardCandidates) throws -> CUDADriver {
        let library = try DynamicLibrary.open("the CUDA driver (\(libraryName))", candidates: candidates)
        let driver = CUDADriver(library: library, api: try CUDADriverFunctions(library))
        try driver.check(driver.api.initialize(0), "cuInit")
        return driver
    }

    private init(library: DynamicLibrary, api: CUDADriverFunctions) {
        self.library = library
        self.api = api
        var version: Int32 = 0
        // cuDriverGetVersion works before cuInit; 0 (unknown) only if the driver is broken.
        _ = api.driverGetVersion(&version)
        self.version = (Int(version) / 1000, Int(version) % 1000 / 10)
    }

    /// Every device the driver lists, numbered as the driver numbers them (`cuda:N` is ordinal N).
    func devices() throws -> [Found] {
        var count: Int32 = 0
        try check(api.deviceGetCount(&count), "cuDeviceGetCount")
        return try (0..<count).map { ordinal in
            var device: Int32 = 0
            try check(api.deviceGet(&device, ordinal), "cuDeviceGet(\(ordinal))")
            var name = [CChar](repeating: 0, count: 256)
            try check(api.deviceGetName(&name, Int32(name.count), device), "cuDeviceGetName(\(ordinal))")
            var memory = 0
            try check(api.deviceTotalMem(&memory, device), "cuDeviceTotalMem_v2(\(ordinal))")
            let major = try attribute(.computeCapabilityMajor, device)
            let minor = try attribute(.computeCapabilityMinor, device)
            let info = DeviceInfo(
                kind: .cuda, index: Int(ordinal),
                name: String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self),
                vendor: "NVIDIA", driver: "CUDA \(version.major).\(version.minor), compute capability \(major).\(minor)",
                memoryBytes: UInt64(memory), computeUnits: try attribute(.multiprocessorCount, device), hardware: .gpu)
            return Found(
                ordinal: device, info: info, architecture: "sm_\(major)\(minor)",
                maxThreadsPerBlock: try attribute(.maxThreadsPerBlock, device))
        }
    }

    /// The `CUdevice_attribute` values flowkit reads (cuda.h).
    enum Attribute: Int32 {
        case maxThreadsPerBlock = 1
        case multiprocessorCount = 16
        case computeCapabilityMajor = 75
        case computeCapabilityMinor = 76
    }

    func attribute(_ attribute: Attribute, _ device: Int32) throws -> Int {
        var value: Int32 = 0
        try check(api.deviceGetAttribute(&value, attribute.rawValue, device), "cuDeviceGetAttribute(\(attribute))")
        return Int(value)
    }

    /// Throws `FlowError.cuda` naming `call` and the driver's name and description of the error
    /// when `status` is not CUDA_SUCCESS.
    func check(_ status: Int32, _ call: @autoclosure () -> String) throws {
        guard status != 0 else { return }
        throw FlowError.cuda(
            call: call(), code: status, name: text(api.getErrorName, status) ?? "unknown CUDA error",
            message: text(api.getErrorString, status) ?? "")
    }

    private func text(_ lookup: CUDADriverFunctions.GetErrorText, _ status: Int32) -> String? {
        var pointer: UnsafePointer<CChar>?
        guard lookup(status, &pointer) == 0, let pointer else { return nil }
        return String(cString: pointer)
    }
}
