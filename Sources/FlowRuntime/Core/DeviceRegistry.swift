import Foundation
import Synchronization

/// Finds devices by name. Names: `cpu`, `opencl` (the first OpenCL device) and `opencl:N`
/// (numbered across all platforms, as `flowkit devices` lists them). Each device is created once
/// per process and shared, so its kernels and buffer cache are built once.
public enum DeviceRegistry {
    /// The environment variable holding the default device name.
    public static let environmentKey = "FLOWKIT_DEVICE"

    private static let cpu = CPUDevice()
    private static let openCL = Mutex<[Int: OpenCLDevice]>([:])
    private static let discovered: [CLPlatform.Found] = CLPlatform.devices()

    /// The device named by `$FLOWKIT_DEVICE`, or the CPU when it is unset.
    public static func defaultDevice() throws -> any Device {
        let name = ProcessInfo.processInfo.environment[environmentKey] ?? ""
        return try device(named: name.isEmpty ? "cpu" : name)
    }

    public static func device(named rawName: String) throws -> any Device {
        let name = rawName.trimmingCharacters(in: .whitespaces).lowercased()
        if name == "cpu" { return cpu }
        guard name == "opencl" || name.hasPrefix("opencl:") else {
            throw FlowError.unknownDevice(name: rawName, detail: "expected cpu, opencl or opencl:N")
        }
        let indexText = name == "opencl" ? "0" : String(name.dropFirst("opencl:".count))
        guard let index = Int(indexText), index >= 0 else {
            throw FlowError.unknownDevice(name: rawName, detail: "'\(indexText)' is not a device number; expected opencl:N with N ≥ 0")
        }
        guard !discovered.isEmpty else { throw FlowError.unknownDevice(name: rawName, detail: CLPlatform.missingHint) }
        guard index < discovered.count else {
            throw FlowError.unknownDevice(
                name: rawName,
                detail: "there are \(discovered.count) OpenCL device(s), numbered 0...\(discovered.count - 1); see `flowkit devices`")
        }
        return try openCL.withLock { devices in
            if let existing = devices[index] { return existing }
            let created = try OpenCLDevice(discovered[index])
            devices[index] = created
            return created
        }
    }

    /// Every device this process can use: the CPU, then each OpenCL device.
    public static func available() -> [DeviceInfo] {
        [cpu.info] + discovered.map(\.info)
    }

    /// Why there is no OpenCL device, and what to do (for messages).
    public static var openCLMissingHint: String { CLPlatform.missingHint }

    /// Whether at least one OpenCL device was found.
    public static var hasOpenCL: Bool { !discovered.isEmpty }
}
