import FlowCore
import Synchronization

extension DeviceKind {
    /// Devices of the OpenCL backend: `opencl`, `opencl:N`.
    public static let opencl = DeviceKind(rawValue: "opencl")
}

/// The OpenCL backend's provider: every device of every platform the ICD loader finds, numbered
/// across platforms in discovery order. Discovery runs once, on first use, so a process that only
/// asks for the CPU never loads an OpenCL driver.
package final class OpenCLProvider: DeviceProvider {
    private let opened = Mutex<[Int: OpenCLDevice]>([:])
    private let discovered = Mutex<[CLPlatform.Found]?>(nil)

    package init() {}

    package var kind: DeviceKind { .opencl }
    package var devices: [DeviceInfo] { found().map(\.info) }
    package var missingHint: String { CLPlatform.missingHint }

    package func device(at index: Int) throws -> any Device {
        let found = found()
        guard found.indices.contains(index) else {
            throw FlowError.unknownDevice(name: "opencl:\(index)", detail: "no such OpenCL device")
        }
        return try opened.withLock { devices in
            if let existing = devices[index] { return existing }
            let created = try OpenCLDevice(found[index])
            devices[index] = created
            return created
        }
    }

    private func found() -> [CLPlatform.Found] {
        discovered.withLock { cached in
            if let cached { return cached }
            let found = CLPlatform.devices()
            cached = found
            return found
        }
    }
}
