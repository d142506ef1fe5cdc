/// The backend a device belongs to, and the first part of its selector (`opencl` in `opencl:1`).
/// Open rather than an enum: a backend is a `DeviceProvider` registered with the catalog, and
/// adding one (CUDA) must not mean editing every switch over the kinds in the core.
public struct DeviceKind: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    /// The CPU backend, the one kind every process has; each other backend declares its own kind.
    public static let cpu = DeviceKind(rawValue: "cpu")

    public var description: String { rawValue }
}
