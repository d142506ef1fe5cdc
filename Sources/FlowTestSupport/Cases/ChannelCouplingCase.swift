import FlowRuntime

/// The affine coupling on channels from whole tensors (`Tensor.channelAffineCoupling`), written
/// once for ChannelCouplingOpTests and `flowkit check`: a spec and its data, forward, inverse and
/// backward against `Reference.channelCoupling` with the coupling's tolerances
/// (`OpTolerance.couplingRtol`, `couplingAtol`, `couplingLogDet`).
public struct ChannelCouplingCase: Sendable, CustomStringConvertible {
    public var spec: ChannelCouplingSpec
    public var x: [Double]
    /// The conditioner output: shift and raw scale of every transformed channel, in [−2, 2].
    public var h: [Double]
    public var gradY: [Double]
    public var gradLogDet: [Double]
    /// A stand-in conditioner share of the kept channels' gradient, which must be added to theirs.
    public var keptShare: [Double]

    public var description: String { "\(spec)" }

    /// Glow's layout (interleaved, shift first, kept channels first), blocks with the kept channels
    /// last and an odd channel count, vectors, a sample larger than one work-group (seed 62, in
    /// turn), and an 8×8 Glow's first-level shape and an odd one with the kept channels last
    /// (seed 63 each: `flowkit check`'s own before the registry).
    public static let all: [ChannelCouplingCase] = {
        let tests = [
            ChannelCouplingSpec(
                batch: 3, channels: 4, positions: 16, keepFirst: true, interleaved: true, shiftFirst: true, scale: .sigmoidShifted,
                order: .shiftThenScale),
            ChannelCouplingSpec(
                batch: 2, channels: 5, positions: 7, keepFirst: false, interleaved: false, shiftFirst: false, scale: .expTanh,
                order: .scaleThenShift),
            ChannelCouplingSpec(
                batch: 2, channels: 3, positions: 1, keepFirst: true, interleaved: true, shiftFirst: false, scale: .expTanh,
                order: .shiftThenScale),
            ChannelCouplingSpec(
                batch: 1, channels: 8, positions: 300, keepFirst: true, interleaved: false, shiftFirst: true, scale: .sigmoidShifted,
                order: .scaleThenShift),
        ]
        let check = [
            ChannelCouplingSpec(
                batch: 64, channels: 4, positions: 16, keepFirst: true, interleaved: true, shiftFirst: true, scale: .sigmoidShifted,
                order: .shiftThenScale),
            ChannelCouplingSpec(
                batch: 3, channels: 5, positions: 300, keepFirst: false, interleaved: false, shiftFirst: false, scale: .expTanh,
                order: .scaleThenShift),
        ]
        var rng = SeededRandom(seed: 62)
        return tests.map { draw($0, &rng) }
            + check.map { spec in
                var own = SeededRandom(seed: 63)
                return draw(spec, &own)
            }
    }()

    private static func draw(_ spec: ChannelCouplingSpec, _ rng: inout SeededRandom) -> ChannelCouplingCase {
        let count = spec.batch * spec.channels * spec.positions
        let hCount = spec.batch * 2 * spec.transformed * spec.positions
        let (x, h, gradY, gradLogDet) = (rng.floats(count), rng.floats(hCount, in: -2...2), rng.floats(count), rng.floats(spec.batch))
        let share = rng.floats(spec.batch * spec.kept * spec.positions)
        return ChannelCouplingCase(spec: spec, x: x, h: h, gradY: gradY, gradLogDet: gradLogDet, keptShare: share)
    }

    /// `[batch, channels, positions]`, or `[batch, channels]` for vectors.
    public func shape(channels: Int) -> [Int] {
        spec.positions == 1 ? [spec.batch, channels] : [spec.batch, channels, spec.positions]
    }

    /// Forward and inverse (output and log-det) through the capability or the fallback.
    public func forwardInverse(on d: TestDevice, usingCapability: Bool) throws -> [OpComparison] {
        let (xT, hT) = (try d.tensor(x, shape(channels: spec.channels)), try d.tensor(h, shape(channels: 2 * spec.transformed)))
        let raw = Reference.channelCouplingParts(spec, x: x, h: h)
        return try [false, true].flatMap { inverse -> [OpComparison] in
            let result = try Tensor.channelAffineCoupling(xT, conditionerOutput: hT, spec: spec, inverse: inverse, usingCapability: usingCapability)
            let expected = Reference.channelCoupling(spec, inverse: inverse, x: x, h: h)
            let name = inverse ? "channel coupling inverse" : "channel coupling"
            return [
                try OpComparison(op: "\(name) y", result.output, expected.y, rtol: OpTolerance.couplingRtol, atol: OpTolerance.couplingAtol),
                try OpComparison(
                    op: "\(name) logDet", result.logDet, expected.logDet, rtol: OpTolerance.couplingRtol,
                    atol: OpTolerance.couplingLogDet(raw.spec, rawScale: raw.rawScale)),
            ]
        }
    }

    /// The backward, its conditioner's backward a stand-in that records `∂L/∂h` and returns
    /// `keptShare`: ∂x (with the share added to the kept channels) and ∂h.
    public func backward(on d: TestDevice, usingCapability: Bool) throws -> [OpComparison] {
        var seenGradH: Tensor?
        let gradX = try Tensor.channelAffineCouplingBackward(
            d.tensor(x, shape(channels: spec.channels)), conditionerOutput: d.tensor(h, shape(channels: 2 * spec.transformed)),
            spec: spec, gradOutput: d.tensor(gradY, shape(channels: spec.channels)), gradLogDet: d.tensor(gradLogDet, [spec.batch]),
            conditionerBackward: { gradH in
                seenGradH = gradH
                return try d.tensor(keptShare, shape(channels: spec.kept))
            }, usingCapability: usingCapability)
        guard let seenGradH else { throw OpCaseError.missing(op: "channel coupling backward", output: "call of the conditioner's backward") }
        let expected = Reference.channelCouplingBackward(spec, x: x, h: h, gradY: gradY, gradLogDet: gradLogDet, keptShare: keptShare)
        return [
            try OpComparison(op: "channel coupling ∂x", gradX, expected.input, rtol: OpTolerance.couplingRtol, atol: OpTolerance.couplingAtol),
            try OpComparison(
                op: "channel coupling ∂h", seenGradH, expected.conditionerOutput, rtol: OpTolerance.couplingRtol,
                atol: OpTolerance.couplingAtol),
        ]
    }
}
