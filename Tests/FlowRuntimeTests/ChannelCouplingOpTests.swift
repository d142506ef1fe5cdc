import FlowRuntime
import FlowTestSupport
import Testing

/// `Tensor.channelAffineCoupling` and its backward, through the device's `ChannelCouplingCapable`
/// (kernel devices) and through the fallback that defines them, against the Double reference
/// (`Reference.channelCoupling`): Glow's layout (interleaved, shift first, kept channels first),
/// blocks with the kept channels last and an odd channel count, vectors, and a sample larger than
/// one work-group.
@Suite struct ChannelCouplingOpTests {
    static let specs = [
        ChannelCouplingSpec(batch: 3, channels: 4, positions: 16, keepFirst: true, interleaved: true, shiftFirst: true, scale: .sigmoidShifted, order: .shiftThenScale),
        ChannelCouplingSpec(batch: 2, channels: 5, positions: 7, keepFirst: false, interleaved: false, shiftFirst: false, scale: .expTanh, order: .scaleThenShift),
        ChannelCouplingSpec(batch: 2, channels: 3, positions: 1, keepFirst: true, interleaved: true, shiftFirst: false, scale: .expTanh, order: .shiftThenScale),
        ChannelCouplingSpec(batch: 1, channels: 8, positions: 300, keepFirst: true, interleaved: false, shiftFirst: true, scale: .sigmoidShifted, order: .scaleThenShift),
    ]

    private static func shape(_ spec: ChannelCouplingSpec, channels: Int) -> [Int] {
        spec.positions == 1 ? [spec.batch, channels] : [spec.batch, channels, spec.positions]
    }

    @Test(arguments: TestDevices.all, [true, false])
    func forwardAndInverseMatchReference(_ d: TestDevice, usingCapability: Bool) throws {
        var rng = SeededRandom(seed: 61)
        for spec in Self.specs {
            let (x, h) = (rng.floats(spec.batch * spec.channels * spec.positions), rng.floats(spec.batch * 2 * spec.transformed * spec.positions, in: -2...2))
            let (xT, hT) = (try d.tensor(x, Self.shape(spec, channels: spec.channels)), try d.tensor(h, Self.shape(spec, channels: 2 * spec.transformed)))
            let raw = Reference.channelCouplingParts(spec, x: x, h: h)
            for inverse in [false, true] {
                let label = "\(spec) inverse \(inverse) capability \(usingCapability)"
                let result = try Tensor.channelAffineCoupling(xT, conditionerOutput: hT, spec: spec, inverse: inverse, usingCapability: usingCapability)
                let expected = Reference.channelCoupling(spec, inverse: inverse, x: x, h: h)
                try expectClose(result.output, expected.y, rtol: OpTolerance.couplingRtol, atol: OpTolerance.couplingAtol, "\(label) y")
                try expectClose(
                    result.logDet, expected.logDet, rtol: OpTolerance.couplingRtol,
                    atol: OpTolerance.couplingLogDet(raw.spec, rawScale: raw.rawScale), "\(label) logDet")
            }
        }
    }

    /// The conditioner's backward is a stand-in that records `∂L/∂h` and returns a fixed
    /// gradient for the kept channels, which must be added to what they receive directly.
    @Test(arguments: TestDevices.all, [true, false])
    func backwardMatchesReference(_ d: TestDevice, usingCapability: Bool) throws {
        var rng = SeededRandom(seed: 62)
        for spec in Self.specs {
            let count = spec.batch * spec.channels * spec.positions
            let hCount = spec.batch * 2 * spec.transformed * spec.positions
            let (x, h, gradY, gradLogDet) = (rng.floats(count), rng.floats(hCount, in: -2...2), rng.floats(count), rng.floats(spec.batch))
            let conditionerShare = rng.floats(spec.batch * spec.kept * spec.positions)
            var seenGradH: Tensor?
            let gradX = try Tensor.channelAffineCouplingBackward(
                d.tensor(x, Self.shape(spec, channels: spec.channels)), conditionerOutput: d.tensor(h, Self.shape(spec, channels: 2 * spec.transformed)),
                spec: spec, gradOutput: d.tensor(gradY, Self.shape(spec, channels: spec.channels)), gradLogDet: d.tensor(gradLogDet, [spec.batch]),
                conditionerBackward: { gradH in
                    seenGradH = gradH
                    return try d.tensor(conditionerShare, Self.shape(spec, channels: spec.kept))
                }, usingCapability: usingCapability)
            let expected = Reference.channelCouplingBackward(
                spec, x: x, h: h, gradY: gradY, gradLogDet: gradLogDet, keptShare: conditionerShare)
            let label = "\(spec) capability \(usingCapability)"
            try expectClose(gradX, expected.input, rtol: OpTolerance.couplingRtol, atol: OpTolerance.couplingAtol, "\(label) ∂x")
            try expectClose(
                #require(seenGradH), expected.conditionerOutput, rtol: OpTolerance.couplingRtol, atol: OpTolerance.couplingAtol, "\(label) ∂h")
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
