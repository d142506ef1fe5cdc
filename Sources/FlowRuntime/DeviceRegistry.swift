import FlowCPU
import FlowCUDA
import FlowCore
import FlowOpenCL
import Foundation

/// The process's device catalog: the CPU backend, then OpenCL, then CUDA, each a `DeviceProvider`
/// (`DeviceCatalog` has the selector rules: `cpu`, `opencl`, `opencl:N`, numbered across all
/// platforms as `flowkit devices` lists them, `cuda`, `cuda:N`, numbered as the CUDA driver does). Each device is created once per process and
/// shared, so its kernels and buffer cache are built once. A further backend joins with
/// `DeviceRegistry.catalog.register(_:)`.
public enum DeviceRegistry {
    /// The environment variable holding the default device name.
    public static let environmentKey = "FLOWKIT_DEVICE"

    public static let catalog = DeviceCatalog(providers: [CPUProvider(), OpenCLProvider(), CUDAProvider()])

    /// The device named by `$FLOWKIT_DEVICE`, or the CPU when it is unset.
    public static func defaultDevice() throws -> any Device {
        let name = ProcessInfo.processInfo.environment[environmentKey] ?? ""
        return try device(named: name.isEmpty ? "cpu" : name)
    }

    public static func device(named name: String) throws -> any Device { try catalog.device(named: name) }

    /// Every device this process can use: the CPU, then each OpenCL device, then each CUDA device.
    public static func available() -> [DeviceInfo] { catalog.available() }

    /// Why there is no OpenCL device, and what to do (for messages).
    public static var openCLMissingHint: String { catalog.missingHint(for: .opencl) }

    /// Whether at least one OpenCL device was found.
    public static var hasOpenCL: Bool { !catalog.devices(of: .opencl).isEmpty }

    /// Why there is no CUDA device (no driver library, `cuInit` failed, none listed), for messages.
    public static var cudaMissingHint: String { catalog.missingHint(for: .cuda) }
}
