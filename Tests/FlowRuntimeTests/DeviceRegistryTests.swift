import FlowRuntime
import FlowTestSupport
import Foundation
import Testing

@Suite struct DeviceRegistryTests {
    /// Under CI the OpenCL backend must actually be exercised: no OpenCL device is a failure there.
    /// Elsewhere (a laptop without an ICD) the suite runs on the CPU only, with a warning on stderr.
    @Test func openCLIsAvailableUnderCI() {
        if TestDevices.isCI {
            #expect(
                !TestDevices.openCL.isEmpty,
                "CI=true but no OpenCL device was found; devices that failed to open: \(TestDevices.failures)")
        } else if TestDevices.openCL.isEmpty {
            // Printed by TestDevices on discovery as well; repeated here so it shows next to the result.
            FileHandle.standardError.write(Data("WARNING: OpenCL backend untested (no OpenCL device)\n".utf8))
        }
    }

    @Test func everyListedDeviceOpens() {
        #expect(TestDevices.failures.isEmpty, "devices listed by DeviceRegistry.available() that failed to open: \(TestDevices.failures)")
    }

    @Test func availableListsTheCPUFirstAndNumbersOpenCLDevices() throws {
        let infos = DeviceRegistry.available()
        let first = try #require(infos.first)
        #expect(first.kind == .cpu && first.selector == "cpu" && first.hardware == .cpu)
        #expect(infos.filter { $0.kind == .cpu }.count == 1)
        let openCL = infos.filter { $0.kind == .opencl }
        #expect(openCL.map(\.index) == Array(0..<openCL.count), "OpenCL devices are numbered 0, 1, …")
        #expect(openCL.map(\.selector) == openCL.indices.map { "opencl:\($0)" })
        // PoCL's CPU devices (named pthread-…, or cpu-… from PoCL 4) report CL_DEVICE_TYPE_CPU.
        for info in openCL where info.name.hasPrefix("pthread") || info.name.hasPrefix("cpu-") {
            #expect(info.hardware == .cpu, "\(info)")
        }
        for info in infos {
            #expect(!info.name.isEmpty && info.computeUnits > 0 && info.memoryBytes > 0, "\(info)")
        }
    }

    @Test func namesResolveToTheListedDevices() throws {
        let cpu = try DeviceRegistry.device(named: "cpu")
        #expect(cpu.info.kind == .cpu)
        for info in DeviceRegistry.available() {
            let device = try DeviceRegistry.device(named: info.selector)
            #expect(device.info.selector == info.selector)
            #expect(device.info.name == info.name)
        }
        if DeviceRegistry.available().contains(where: { $0.kind == .opencl }) {
            // A bare "opencl" means the first OpenCL device.
            let device = try DeviceRegistry.device(named: "opencl")
            #expect(device.info.kind == .opencl && device.info.index == 0)
        } else {
            #expect(throws: FlowError.self) { _ = try DeviceRegistry.device(named: "opencl") }
        }
    }

    /// A round trip through a device's memory returns the same bits, including NaN payloads, −0,
    /// infinities and subnormals (no conversion happens on the way).
    @Test(arguments: TestDevices.all)
    func memoryRoundTripIsBitExact(_ d: TestDevice) throws {
        let special: [Float] = [0, -0, .infinity, -.infinity, .nan, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1, -1]
        var rng = SeededRandom(seed: 111)
        let values = special + rng.floats(1000).map { Float($0) }
        let tensor = try Tensor(values, shape: [values.count], on: d.device)
        let back = try tensor.toArray()
        #expect(back.map(\.bitPattern) == values.map(\.bitPattern))
    }
}

/// The OpenCL backend compiles every program in `Kernels/` on each device, and a program that
/// does not compile reports the driver's build log.
@Suite struct OpenCLKernelBuildTests {
    @Test(arguments: TestDevices.openCL)
    func allKernelsBuild(_ d: TestDevice) throws {
        let device = try #require(d.device as? OpenCLDevice)
        try device.buildAllKernels()
    }

    @Test(arguments: TestDevices.openCL)
    func aValidProgramBuilds(_ d: TestDevice) throws {
        let device = try #require(d.device as? OpenCLDevice)
        try device.buildProgram(
            name: "flowkit_test_valid",
            source: "__kernel void twice(__global float* x) { size_t i = get_global_id(0); x[i] = 2.0f * x[i]; }")
    }

    @Test(arguments: TestDevices.openCL)
    func brokenSourceThrowsKernelBuildWithLog(_ d: TestDevice) throws {
        let device = try #require(d.device as? OpenCLDevice)
        let error = #expect(throws: FlowError.self) {
            try device.buildProgram(
                name: "flowkit_test_broken", source: "__kernel void broken(__global float* x) { x[0] = undeclared_name + ; }")
        }
        guard case let .kernelBuild(program, deviceName, log)? = error else {
            Issue.record("expected FlowError.kernelBuild, got \(String(describing: error))")
            return
        }
        #expect(program.contains("flowkit_test_broken"))
        #expect(!deviceName.isEmpty)
        #expect(!log.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "the build log is empty")
        #expect(error?.description.contains("flowkit_test_broken") == true)
    }
}
