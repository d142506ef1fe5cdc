/// What `flowkit devices` prints about a device.
public struct DeviceInfo: Sendable, Codable, Equatable {
    public var kind: DeviceKind
    /// Index among devices of the same kind (OpenCL devices are numbered across all platforms).
    public var index: Int
    public var name: String
    public var vendor: String
    /// Driver (or, for the CPU backend, BLAS library) version string.
    public var driver: String
    /// Global memory in bytes (physical memory for the CPU backend).
    public var memoryBytes: UInt64
    public var computeUnits: Int
    public var hardware: DeviceHardware

    /// The name that selects this device: `kind:N` (`opencl:1`), or just `cpu` for the one CPU
    /// device (`cpu:0` selects it too).
    public var selector: String {
        kind == .cpu ? "cpu" : "\(kind.rawValue):\(index)"
    }

    public init(
        kind: DeviceKind, index: Int, name: String, vendor: String, driver: String,
        memoryBytes: UInt64, computeUnits: Int, hardware: DeviceHardware
    ) {
        self.kind = kind
        self.index = index
        self.name = name
        self.vendor = vendor
        self.driver = driver
        self.memoryBytes = memoryBytes
        self.computeUnits = computeUnits
        self.hardware = hardware
    }
}
