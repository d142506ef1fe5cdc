import FlowRuntime
import FlowTestSupport
import Testing

/// `Tensor.channelAffineCoupling` and its backward, through the device's `ChannelCouplingCapable`
/// (kernel devices) and through the fallback that defines them, against the Double reference
/// (`Reference.channelCoupling`): Glow's layout (interleaved, shift first, kept channels first),
/// blocks with the kept channels last and an odd channel count, vectors, and a sample larger than
/// one work-group.
@Suite struct ChannelCouplingOpTests {
    static let specs = ChannelCouplingCase.all.map(\.spec)

    /// `ChannelCouplingCase.all` forward and inverse (the comparisons `flowkit check` reports too).
    @Test(arguments: TestDevices.all, [true, false])
    func forwardAndInverseMatchReference(_ d: TestDevice, usingCapability: Bool) throws {
        for c in ChannelCouplingCase.all {
            expect(try c.forwardInverse(on: d, usingCapability: usingCapability), "\(c) capability \(usingCapability)")
        }
    }

    /// `ChannelCouplingCase.all` backward: the conditioner's backward is a stand-in that records
    /// `∂L/∂h` and returns a fixed gradient for the kept channels, which must be added to what
    /// they receive directly (the comparisons `flowkit check` reports too).
    @Test(arguments: TestDevices.all, [true, false])
    func backwardMatchesReference(_ d: TestDevice, usingCapability: Bool) throws {
        for c in ChannelCouplingCase.all {
            expect(try c.backward(on: d, usingCapability: usingCapability), "\(c) capability \(usingCapability)")
        }
    }

    /// A spec whose tensors the kernels' 32-bit indices cannot address is refused before anything
    /// is enqueued (the buffers here are far too small: a launch would write past them).
    @Test(arguments: TestDevices.kernel)
    func sizesBeyondThirtyTwoBitsAreRefused(_ d: TestDevice) throws {
        let device = try #require(d.device as? any ChannelCouplingCapable)
        var spec = Self.specs[0]
        (spec.batch, spec.positions) = (1 << 16, 1 << 14)
        let small = try Tensor.zeros([8], on: d.device).buffer
        #expect(throws: FlowError.self) {
            try device.channelCoupling(spec, inverse: false, x: small, conditionerOutput: small, y: small, logDet: small)
        }
        #expect(throws: FlowError.self) {
            try device.channelCouplingBackward(
                spec, x: small, conditionerOutput: small, gradY: small, gradLogDet: small, gradX: small, gradConditionerOutput: small)
        }
        #expect(throws: FlowError.self) { try device.channelCouplingAddKept(spec, gradKept: small, gradX: small) }
    }

    /// An input, a conditioner output or a returned gradient of the wrong shape is refused, and so
    /// is a spec with fewer than two channels.
    @Test(arguments: TestDevices.all)
    func wrongShapesAreRefused(_ d: TestDevice) throws {
        let spec = Self.specs[0]
        let x = try Tensor.zeros([3, 4, 16], on: d.device)
        #expect(throws: FlowError.self) { try Tensor.channelCouplingKept(Tensor.zeros([3, 5, 16], on: d.device), spec) }
        var single = spec
        single.channels = 1
        #expect(throws: FlowError.self) { try Tensor.channelCouplingKept(Tensor.zeros([3, 1, 16], on: d.device), single) }
        #expect(throws: FlowError.self) { try Tensor.channelAffineCoupling(x, conditionerOutput: Tensor.zeros([3, 3, 16], on: d.device), spec: spec) }
        let h = try Tensor.zeros([3, 4, 16], on: d.device)
        #expect(throws: FlowError.self) {
            try Tensor.channelAffineCouplingBackward(
                x, conditionerOutput: h, spec: spec, gradOutput: x, gradLogDet: Tensor.zeros([3], on: d.device),
                conditionerBackward: { _ in try Tensor.zeros([3, 1, 16], on: d.device) })
        }
    }
}
