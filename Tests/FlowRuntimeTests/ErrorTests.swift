import FlowRuntime
import FlowTestSupport
import Testing

@testable import FlowOpenCL

/// Runs `body`, requires it to throw a `FlowError`, and checks that the message names everything
/// in `mentions` (the op, the shapes, the device), so a user can act on it without a debugger.
private func expectFlowError(
    _ mentions: [String], sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) -> FlowError? {
    let error = #expect(throws: FlowError.self, sourceLocation: sourceLocation) { try body() }
    if let error {
        for text in mentions {
            #expect(error.description.contains(text), "'\(error)' should mention '\(text)'", sourceLocation: sourceLocation)
        }
    }
    return error
}

/// Pairs of distinct devices: the CPU with each OpenCL device, and two separate CPU devices (always available).
private func devicePairs() -> [(any Device, any Device)] {
    var pairs: [(any Device, any Device)] = [(CPUDevice(), CPUDevice())]
    if let cpu = TestDevices.cpu {
        pairs += TestDevices.openCL.map { (cpu.device, $0.device) }
    }
    return pairs
}

@Suite struct ErrorTests {
    /// Kernels index with 32-bit ints: a launch over more work-items, or with a size argument
    /// beyond them, is refused naming the kernel, instead of wrapping around (nothing is enqueued).
    @Test(arguments: TestDevices.openCL)
    func kernelSizesBeyond32BitsAreRefused(_ shared: TestDevice) throws {
        // A device of its own: the shared one counts the launches of every test running beside this one.
        let d = TestDevice(try OpenCLDevice(CLPlatform.devices()[shared.info.index]))
        let small = try Tensor.zeros([4], on: d.device)
        let counting = try #require(d.device as? any KernelLaunchCounting)
        let before = counting.kernelLaunches
        _ = expectFlowError(["unary_fwd", "32-bit"]) {
            try d.device.unary(.exp, count: Int(Int32.max) + 1, x: small.buffer, y: small.buffer)
        }
        _ = expectFlowError(["adam_step", "32-bit"]) {
            try d.device.adamStep(AdamHyper(step: 1), count: 1 << 40, param: small.buffer, grad: small.buffer, m: small.buffer, v: small.buffer)
        }
        #expect(counting.kernelLaunches == before)
    }

    @Test(arguments: TestDevices.all)
    func shapeMismatchesNameOpAndShapes(_ d: TestDevice) throws {
        let x = try Tensor.zeros([4, 5], on: d.device)
        let w = try Tensor.zeros([3, 6], on: d.device)
        let error = expectFlowError(["linear", "[4, 5]", "[3, 6]"]) { _ = try x.linear(weight: w) }
        if let error, case .shapeMismatch = error {} else { Issue.record("expected .shapeMismatch, got \(String(describing: error))") }

        _ = expectFlowError(["matmul", "[4, 5]", "[3, 6]"]) { _ = try x.matmul(w) }
        _ = expectFlowError(["linear", "bias", "[2]"]) {
            _ = try x.linear(weight: Tensor.zeros([3, 5], on: d.device), bias: Tensor.zeros([2], on: d.device))
        }
        _ = expectFlowError(["linearBackward", "gradOutput", "[4, 2]"]) {
            _ = try Tensor.linearBackward(
                input: x, weight: Tensor.zeros([3, 5], on: d.device), hasBias: false,
                gradOutput: Tensor.zeros([4, 2], on: d.device))
        }
        let image = try Tensor.zeros([2, 3, 4, 4], on: d.device)
        _ = expectFlowError(["conv2d", "[2, 3, 4, 4]", "[5, 2, 3, 3]"]) {
            _ = try image.conv2d(weight: Tensor.zeros([5, 2, 3, 3], on: d.device))
        }
        _ = expectFlowError(["conv2d", "[5, 3, 2, 2]"]) { _ = try image.conv2d(weight: Tensor.zeros([5, 3, 2, 2], on: d.device)) }
        _ = expectFlowError(["affineCoupling", "shift", "[4, 4]"]) {
            _ = try x.affineCoupling(
                shift: Tensor.zeros([4, 4], on: d.device), rawScale: x, scale: .expTanh, order: .scaleThenShift)
        }
        _ = expectFlowError(["actNorm", "loc", "[4]"]) {
            _ = try image.actNorm(loc: Tensor.zeros([4], on: d.device), logScale: Tensor.zeros([3], on: d.device))
        }
        _ = expectFlowError(["concat", "[4, 5]", "[3, 6]"]) { _ = try Tensor.concat([x, w]) }
        _ = expectFlowError(["split", "[2, 2]", "[4, 5]"]) { _ = try x.split([2, 2]) }
        _ = expectFlowError(["squeeze2x2", "[2, 3, 4, 5]"]) { _ = try Tensor.zeros([2, 3, 4, 5], on: d.device).squeeze2x2() }
        _ = expectFlowError(["binary", "[4, 5]", "[3, 6]"]) { _ = try x.applying(.add, w) }
        _ = expectFlowError(["gather", "7"]) { _ = try x.gather(IndexTensor([0, 1, 2, 3, 7], on: d.device)) }
        _ = expectFlowError(["adamStep", "step"]) {
            try Tensor.adamStep(param: x, grad: x, m: x, v: x, hyper: AdamHyper(step: 0))
        }
        _ = expectFlowError(["adamStep", "[3, 6]"]) { try Tensor.adamStep(param: x, grad: w, m: x, v: x, hyper: AdamHyper(step: 1)) }
        _ = expectFlowError(["reshape", "[4, 5]", "[3, 7]"]) { _ = try x.reshaped([3, 7]) }
    }

    @Test func operandsOnTwoDevicesAreRejected() throws {
        for (first, second) in devicePairs() {
            let x = try Tensor.zeros([4, 5], on: first)
            let w = try Tensor.zeros([3, 5], on: second)
            let error = expectFlowError(["linear", "[4, 5]", "[3, 5]"]) { _ = try x.linear(weight: w) }
            if let error, case .deviceMismatch = error {
            } else {
                Issue.record("expected .deviceMismatch, got \(String(describing: error))")
            }
            let other = try Tensor.zeros([4, 5], on: second)
            _ = expectFlowError(["binary", "[4, 5]"]) { _ = try x.applying(.multiply, other) }
            _ = expectFlowError(["concat"]) { _ = try Tensor.concat([x, other]) }
            _ = expectFlowError(["gather"]) { _ = try x.gather(IndexTensor([0, 1, 2, 3, 4], on: second)) }
            // An explicit copy is the way across.
            let moved = try w.copy(to: first)
            #expect(try x.linear(weight: moved).shape == [4, 3])
        }
    }

    @Test(arguments: ["gpu", "opencl:99", "cpu:1", "", "opencl:-1", "cuda:x"])
    func unknownDeviceNamesAreRejected(_ name: String) {
        let error = expectFlowError(["'\(name)'"]) { _ = try DeviceRegistry.device(named: name) }
        if let error, case .unknownDevice = error {
        } else {
            Issue.record("expected .unknownDevice for '\(name)', got \(String(describing: error))")
        }
    }

    /// `cuda` where there is no CUDA device is a known kind without a device, not an unknown name.
    @Test(.enabled(if: DeviceRegistry.available().allSatisfy { $0.kind != .cuda }, "this machine has a CUDA device"))
    func aKnownKindWithoutADeviceIsUnavailable() {
        let error = expectFlowError(["'cuda' is a known device, but none is available here: no CUDA device"]) {
            _ = try DeviceRegistry.device(named: "cuda")
        }
        if let error, case .unavailableDevice = error {
        } else {
            Issue.record("expected .unavailableDevice for 'cuda', got \(String(describing: error))")
        }
    }
}
