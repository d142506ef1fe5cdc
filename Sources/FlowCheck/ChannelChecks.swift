import FlowRuntime
import FlowTestSupport

/// ActNorm (per-channel affine) forward, inverse and backward, and PReLU with its backward,
/// against the Double reference with the tests' `channelRtol` / `channelAtol` and accumulation bounds.
enum ChannelChecks {
    static let shapes: [[Int]] = [[1, 1], [3, 7], [257, 3], [2, 3, 5, 7], [3, 17, 4, 4], [1, 33, 1, 1]]

    static func run(_ r: CheckRecorder) {
        for shape in shapes {
            r.run("actNorm", "\(shape)") { try actNorm(r, shape) }
            r.run("prelu", "\(shape)") { try prelu(r, shape) }
        }
    }

    private static func view(_ shape: [Int]) -> AxisView {
        AxisView(outer: shape[0], mid: shape[1], inner: shape.dropFirst(2).reduce(1, *))
    }

    private static func actNorm(_ r: CheckRecorder, _ shape: [Int]) throws {
        let v = view(shape)
        var rng = SeededRandom(seed: 51)
        let (x, loc, logScale) = (rng.floats(v.count, in: -3...3), rng.floats(v.mid), rng.floats(v.mid))
        let (locT, scaleT) = (try r.tensor(loc, [v.mid]), try r.tensor(logScale, [v.mid]))
        let logDetAtol = Tolerance.accumulated(
            terms: v.mid, magnitude: [Double](repeating: Double(v.inner) * logScale.map(Swift.abs).reduce(0, +), count: v.outer))
        let (rtol, atol) = (OpTolerance.channelRtol, OpTolerance.channelAtol)
        for inverse in [false, true] {
            let name = inverse ? "actNorm inverse" : "actNorm"
            try r.poison(v.count, v.outer)
            let result = try r.tensor(x, shape).actNorm(loc: locT, logScale: scaleT, inverse: inverse)
            try r.close("\(name) y", "\(shape)", result.output, Reference.channelAffine(v, inverse: inverse, x: x, loc: loc, logScale: logScale), rtol: rtol, atol: atol)
            try r.close("\(name) logDet", "\(shape)", result.logDet, Reference.channelAffineLogDet(v, inverse: inverse, logScale: logScale), rtol: rtol, atol: logDetAtol)
        }
        let (gradY, gradLogDet) = (rng.floats(v.count), rng.floats(v.outer))
        let grads = try Tensor.actNormBackward(
            input: r.tensor(x, shape), loc: locT, logScale: scaleT, gradOutput: r.tensor(gradY, shape), gradLogDet: r.tensor(gradLogDet, [v.outer]))
        let expected = Reference.channelAffineBackward(v, x: x, loc: loc, logScale: logScale, gradY: gradY, gradLogDet: gradLogDet)
        let magnitude = Reference.channelAffineBackward(
            v, x: x.map(Swift.abs), loc: loc.map { -Swift.abs($0) }, logScale: logScale, gradY: gradY.map { -Swift.abs($0) },
            gradLogDet: gradLogDet.map { -Swift.abs($0) })
        let terms = v.outer * v.inner + v.outer
        try r.close("actNorm backward ∂x", "\(shape)", grads.input, expected.input, rtol: rtol, atol: atol)
        try r.close("actNorm backward ∂loc", "\(shape)", grads.loc, expected.loc, rtol: rtol, atol: Tolerance.accumulated(terms: terms, magnitude: magnitude.loc.map(Swift.abs)))
        try r.close(
            "actNorm backward ∂logScale", "\(shape)", grads.logScale, expected.logScale, rtol: rtol,
            atol: Tolerance.accumulated(terms: terms, magnitude: magnitude.logScale.map(Swift.abs)))
    }

    private static func prelu(_ r: CheckRecorder, _ shape: [Int]) throws {
        let v = view(shape)
        var rng = SeededRandom(seed: 52)
        // Away from the kink at 0, where float rounding would straddle it.
        let x = rng.floats(v.count, in: -2...2, awayFromZero: 1e-3)
        let slope = rng.floats(v.mid, in: 0...0.5)
        let gradY = rng.floats(v.count)
        let (xT, slopeT) = (try r.tensor(x, shape), try r.tensor(slope, [v.mid]))
        let (rtol, atol) = (OpTolerance.channelRtol, OpTolerance.channelAtol)
        try r.poison(v.count)
        try r.close("prelu", "\(shape)", try xT.prelu(slope: slopeT), Reference.prelu(v, x: x, slope: slope), rtol: rtol, atol: atol)
        let grads = try Tensor.preluBackward(input: xT, slope: slopeT, gradOutput: r.tensor(gradY, shape))
        let expected = Reference.preluBackward(v, x: x, slope: slope, gradY: gradY)
        let magnitude = Reference.preluBackward(v, x: x.map { -Swift.abs($0) }, slope: slope, gradY: gradY.map(Swift.abs))
        try r.close("prelu backward ∂x", "\(shape)", grads.input, expected.input, rtol: rtol, atol: atol)
        try r.close(
            "prelu backward ∂slope", "\(shape)", grads.slope, expected.slope, rtol: rtol,
            atol: Tolerance.accumulated(terms: v.outer * v.inner, magnitude: magnitude.slope.map(Swift.abs)))
    }
}
