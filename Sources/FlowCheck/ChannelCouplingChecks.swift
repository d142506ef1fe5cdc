import FlowRuntime
import FlowTestSupport

/// The affine coupling on channels from whole tensors (`Tensor.channelAffineCoupling`, one op on a
/// device with `ChannelCouplingCapable`): forward, inverse and backward against the Double
/// reference with the tests' tolerances, on an 8×8 Glow's first-level shape (its interleaved layout)
/// and an odd one with the kept channels last.
enum ChannelCouplingChecks {
    static let specs = [
        ChannelCouplingSpec(
            batch: 64, channels: 4, positions: 16, keepFirst: true, interleaved: true, shiftFirst: true, scale: .sigmoidShifted,
            order: .shiftThenScale),
        ChannelCouplingSpec(
            batch: 3, channels: 5, positions: 300, keepFirst: false, interleaved: false, shiftFirst: false, scale: .expTanh,
            order: .scaleThenShift),
    ]

    static func run(_ r: CheckRecorder) {
        for spec in specs {
            let shapes = "[\(spec.batch), \(spec.channels), \(spec.positions)] kept \(spec.kept)\(spec.interleaved ? " interleaved" : "")"
            r.run("channel coupling", shapes) { try check(r, spec, shapes) }
        }
    }

    private static func check(_ r: CheckRecorder, _ spec: ChannelCouplingSpec, _ shapes: String) throws {
        var rng = SeededRandom(seed: 63)
        let (count, hCount) = (spec.batch * spec.channels * spec.positions, spec.batch * 2 * spec.transformed * spec.positions)
        let (x, h, gradY, gradLogDet) = (rng.floats(count), rng.floats(hCount, in: -2...2), rng.floats(count), rng.floats(spec.batch))
        let (xT, hT) = (try r.tensor(x, [spec.batch, spec.channels, spec.positions]), try r.tensor(h, [spec.batch, 2 * spec.transformed, spec.positions]))
        let raw = Reference.channelCouplingParts(spec, x: x, h: h)
        for inverse in [false, true] {
            let result = try Tensor.channelAffineCoupling(xT, conditionerOutput: hT, spec: spec, inverse: inverse)
            let expected = Reference.channelCoupling(spec, inverse: inverse, x: x, h: h)
            let label = shapes + (inverse ? " inverse" : "")
            try r.close("channel coupling y", label, result.output, expected.y, rtol: OpTolerance.couplingRtol, atol: OpTolerance.couplingAtol)
            try r.close(
                "channel coupling logDet", label, result.logDet, expected.logDet, rtol: OpTolerance.couplingRtol,
                atol: OpTolerance.couplingLogDet(raw.spec, rawScale: raw.rawScale))
        }
        // A stand-in conditioner share of the kept channels' gradient, which must be added to theirs.
        let share = rng.floats(spec.batch * spec.kept * spec.positions)
        var gradH: Tensor?
        let gradX = try Tensor.channelAffineCouplingBackward(
            xT, conditionerOutput: hT, spec: spec, gradOutput: r.tensor(gradY, [spec.batch, spec.channels, spec.positions]),
            gradLogDet: r.tensor(gradLogDet, [spec.batch])
        ) { grad in
            gradH = grad
            return try r.tensor(share, [spec.batch, spec.kept, spec.positions])
        }
        let expected = Reference.channelCouplingBackward(spec, x: x, h: h, gradY: gradY, gradLogDet: gradLogDet, keptShare: share)
        try r.close("channel coupling ∂x", shapes, gradX, expected.input, rtol: OpTolerance.couplingRtol, atol: OpTolerance.couplingAtol)
        guard let gradH else { throw CheckFailure("the conditioner's backward was not called") }
        try r.close("channel coupling ∂h", shapes, gradH, expected.conditionerOutput, rtol: OpTolerance.couplingRtol, atol: OpTolerance.couplingAtol)
    }
}
