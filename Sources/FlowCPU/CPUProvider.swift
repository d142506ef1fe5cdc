import FlowCore

/// The CPU backend's provider: always exactly one device, `cpu`.
package final class CPUProvider: DeviceProvider {
    private let cpu = CPUDevice()

    package init() {}

    package var kind: DeviceKind { .cpu }
    package var devices: [DeviceInfo] { [cpu.info] }
    package var missingHint: String { "the CPU backend is always present" }

    package func device(at index: Int) throws -> any Device {
        guard index == 0 else {
            throw FlowError.unknownDevice(name: "cpu:\(index)", detail: "there is one CPU device, cpu (cpu:0)")
        }
        return cpu
    }
}
