import FlowRuntime
import Foundation

/// A device under test; the description names it in test results (`cpu (…)`, `opencl:0 (…)`).
public struct TestDevice: Sendable, CustomStringConvertible {
    public let device: any Device

    public init(_ device: any Device) { self.device = device }

    public var info: DeviceInfo { device.info }
    public var isOpenCL: Bool { device.info.kind == .opencl }
    public var description: String { "\(device.info.selector) (\(device.info.name))" }
}

/// The devices every op test runs on: the CPU plus every OpenCL device the registry finds.
///
/// Without OpenCL the suite still runs on the CPU, with a loud warning; under CI (`CI=true`)
/// `DeviceRegistryTests` fails instead, because there a missing OpenCL device means the OpenCL
/// backend silently went untested.
public enum TestDevices {
    public static var all: [TestDevice] { discovery.devices }
    public static var openCL: [TestDevice] { all.filter(\.isOpenCL) }
    /// The devices that run `Kernels/*.cl` (OpenCL, CUDA).
    public static var kernel: [TestDevice] { all.filter { $0.info.kind != .cpu } }
    public static var cpu: TestDevice? { all.first { $0.info.kind == .cpu } }
    /// Devices the registry listed but that could not be opened, with the error.
    public static var failures: [String] { discovery.failures }
    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    private static let discovery: (devices: [TestDevice], failures: [String]) = discover()

    private static func discover() -> (devices: [TestDevice], failures: [String]) {
        var devices: [TestDevice] = []
        var failures: [String] = []
        for info in DeviceRegistry.available() {
            do {
                devices.append(TestDevice(try DeviceRegistry.device(named: info.selector)))
            } catch {
                failures.append("\(info.selector) (\(info.name)): \(error)")
            }
        }
        if !devices.contains(where: \.isOpenCL) {
            let banner = String(repeating: "!", count: 78)
            let consequence =
                isCI
                ? "CI=true: DeviceRegistryTests will FAIL."
                : "Only the CPU backend is tested; the OpenCL backend is NOT tested."
            let detail = failures.isEmpty ? "" : "\nDevices that failed to open:\n" + failures.joined(separator: "\n")
            let message = "\n\(banner)\nWARNING: no OpenCL device found. \(consequence)\(detail)\n\(banner)\n\n"
            FileHandle.standardError.write(Data(message.utf8))
        }
        return (devices, failures)
    }
}
