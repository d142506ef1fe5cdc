/// The CPU backend's provider: always exactly one device, `cpu`.
final class CPUProvider: DeviceProvider {
    private let cpu = CPUDevice()

    var kind: DeviceKind { .cpu }
    var devices: [DeviceInfo] { [cpu.info] }
    var missingHint: String { "the CPU backend is always present" }

    func device(at index: Int) throws -> any Device {
        guard index == 0 else {
            throw FlowError.unknownDevice(name: "cpu:\(index)", detail: "there is one CPU device, cpu (cpu:0)")
        }
        return cpu
    }
}
