/// What, besides the program and its inputs, decides the bits a device computes. Each checkpoint
/// records its device's, so a run resumed elsewhere can tell whether it continues bit for bit.
/// What does not change the bits is left out on purpose: the CPU's thread count (reductions are cut
/// by the problem's shape, never by the threads), the device's index, its memory.
public struct NumericsFingerprint: Codable, Equatable, Sendable {
    /// The backend (`cpu`, `opencl`, `cuda`).
    public var deviceKind: String
    /// The processor or GPU model.
    public var deviceName: String
    /// CPU: OpenBLAS's kernel family (`Haswell`, `SkylakeX`, …, what `OPENBLAS_CORETYPE` picks).
    public var blasKernels: String?
    /// CPU: the OpenBLAS build (version and build options).
    public var blasLibrary: String?
    /// CPU: the C library, whose `exp`, `log` and `tanh` the elementwise ops call.
    public var mathLibrary: String?
    /// Kernel devices: what compiles the kernels (OpenCL driver version; CUDA driver and NVRTC).
    public var kernelCompiler: String?
    /// Kernel devices: the tuning values and other options the kernels are compiled with.
    public var tuning: [String]?
    /// How the backend cuts reductions into parts and orders the partial sums; bumped whenever
    /// that changes (`cpu-shape-1`: parts fixed by the shape, added in index order).
    public var reductionScheme: String

    public init(
        deviceKind: String, deviceName: String, blasKernels: String? = nil, blasLibrary: String? = nil, mathLibrary: String? = nil,
        kernelCompiler: String? = nil, tuning: [String]? = nil, reductionScheme: String
    ) {
        self.deviceKind = deviceKind
        self.deviceName = deviceName
        self.blasKernels = blasKernels
        self.blasLibrary = blasLibrary
        self.mathLibrary = mathLibrary
        self.kernelCompiler = kernelCompiler
        self.tuning = tuning
        self.reductionScheme = reductionScheme
    }

    /// Each field that differs, as `name: theirs → ours` (`-` for a field one side lacks).
    public func differences(from recorded: NumericsFingerprint) -> [String] {
        func describe(_ value: String?) -> String { value ?? "-" }
        let fields: [(String, String?, String?)] = [
            ("device kind", recorded.deviceKind, deviceKind), ("device", recorded.deviceName, deviceName),
            ("BLAS kernels", recorded.blasKernels, blasKernels), ("BLAS library", recorded.blasLibrary, blasLibrary),
            ("math library", recorded.mathLibrary, mathLibrary), ("kernel compiler", recorded.kernelCompiler, kernelCompiler),
            ("tuning", recorded.tuning?.joined(separator: " "), tuning?.joined(separator: " ")),
            ("reduction scheme", recorded.reductionScheme, reductionScheme),
        ]
        return fields.filter { $0.1 != $0.2 }.map { "\($0.0): \(describe($0.1)) → \(describe($0.2))" }
    }
}

/// A device that can say what decides its bits (every backend of this package).
public protocol NumericsDescribing: Device {
    var numericsFingerprint: NumericsFingerprint { get }
}

extension Device {
    /// This device's fingerprint; a device that does not describe itself is known by its kind,
    /// name and driver only.
    public var numerics: NumericsFingerprint {
        if let described = self as? any NumericsDescribing { return described.numericsFingerprint }
        return NumericsFingerprint(
            deviceKind: info.kind.rawValue, deviceName: info.name, kernelCompiler: info.driver, reductionScheme: "unknown")
    }
}
