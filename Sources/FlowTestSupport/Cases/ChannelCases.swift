import FlowRuntime

/// The per-channel ops' cases (ActNorm's affine and PReLU, forward and backward), written once for
/// ActNormTests, PReluTests and `flowkit check`: against the Double reference with
/// `OpTolerance.channelRtol` / `channelAtol` and, for sums over positions or channels,
/// `Tolerance.accumulated`.
public enum ChannelCases {
    /// `[B, D]` vectors and `[B, C, H, W]` images with awkward sizes.
    public static let shapes: [[Int]] = [[1, 1], [3, 7], [257, 3], [5, 257], [2, 3, 5, 7], [3, 17, 4, 4], [1, 33, 1, 1]]
    /// Seeds of the ActNorm backward's data: the tests' and `flowkit check`'s own before the registry.
    public static let actNormBackwardSeeds: [UInt64] = [53, 51]
    /// Seeds of PReLU's data: the tests' and `flowkit check`'s own before the registry.
    public static let preluSeeds: [UInt64] = [54, 52]

    /// `[outer, mid, inner]` view of a shape whose axis 1 is the channel or feature axis.
    public static func view(_ shape: [Int]) -> AxisView {
        AxisView(outer: shape[0], mid: shape[1], inner: shape.dropFirst(2).reduce(1, *))
    }

    /// ActNorm forward and inverse: y and the log-det `∓inner·Σ_c logScale_c`.
    public static func actNorm(on d: TestDevice, shape: [Int]) throws -> [OpComparison] {
        let view = view(shape)
        var rng = SeededRandom(seed: 51)
        let (x, loc, logScale) = (rng.floats(view.count, in: -3...3), rng.floats(view.mid), rng.floats(view.mid))
        let (locT, scaleT) = (try d.tensor(loc, [view.mid]), try d.tensor(logScale, [view.mid]))
        let logDetAtol = Tolerance.accumulated(
            terms: view.mid, magnitude: [Double](repeating: Double(view.inner) * logScale.map(Swift.abs).reduce(0, +), count: view.outer))
        let (rtol, atol) = (OpTolerance.channelRtol, OpTolerance.channelAtol)
        return try [false, true].flatMap { inverse -> [OpComparison] in
            try d.poisonCache(view.count, view.outer)
            let result = try d.tensor(x, shape).actNorm(loc: locT, logScale: scaleT, inverse: inverse)
            let name = inverse ? "actNorm inverse" : "actNorm"
            return [
                try OpComparison(
                    op: "\(name) y", result.output, Reference.channelAffine(view, inverse: inverse, x: x, loc: loc, logScale: logScale),
                    rtol: rtol, atol: atol),
                try OpComparison(
                    op: "\(name) logDet", result.logDet, Reference.channelAffineLogDet(view, inverse: inverse, logScale: logScale),
                    rtol: rtol, atol: logDetAtol),
            ]
        }
    }

    /// ActNorm's backward: ∂x, and ∂loc, ∂logScale summed over `outer·inner` positions.
    public static func actNormBackward(on d: TestDevice, shape: [Int], seed: UInt64) throws -> [OpComparison] {
        let view = view(shape)
        var rng = SeededRandom(seed: seed)
        let (x, loc, logScale) = (rng.floats(view.count, in: -3...3), rng.floats(view.mid), rng.floats(view.mid))
        let (gradY, gradLogDet) = (rng.floats(view.count), rng.floats(view.outer))
        let grads = try Tensor.actNormBackward(
            input: d.tensor(x, shape), loc: d.tensor(loc, [view.mid]), logScale: d.tensor(logScale, [view.mid]),
            gradOutput: d.tensor(gradY, shape), gradLogDet: d.tensor(gradLogDet, [view.outer]))
        let expected = Reference.channelAffineBackward(view, x: x, loc: loc, logScale: logScale, gradY: gradY, gradLogDet: gradLogDet)
        let magnitude = Reference.channelAffineBackward(
            view, x: x.map(Swift.abs), loc: loc.map { -Swift.abs($0) }, logScale: logScale, gradY: gradY.map { -Swift.abs($0) },
            gradLogDet: gradLogDet.map { -Swift.abs($0) })
        let terms = view.outer * view.inner + view.outer
        let (rtol, atol) = (OpTolerance.channelRtol, OpTolerance.channelAtol)
        return [
            try OpComparison(op: "actNorm backward ∂x", grads.input, expected.input, rtol: rtol, atol: atol),
            try OpComparison(
                op: "actNorm backward ∂loc", grads.loc, expected.loc, rtol: rtol,
                atol: Tolerance.accumulated(terms: terms, magnitude: magnitude.loc.map(Swift.abs))),
            try OpComparison(
                op: "actNorm backward ∂logScale", grads.logScale, expected.logScale, rtol: rtol,
                atol: Tolerance.accumulated(terms: terms, magnitude: magnitude.logScale.map(Swift.abs))),
        ]
    }

    /// PReLU forward and backward (∂x, and ∂slope summed over `outer·inner` positions), inputs
    /// at least 1e-3 from the kink at 0, where float rounding would straddle it.
    public static func prelu(on d: TestDevice, shape: [Int], seed: UInt64) throws -> [OpComparison] {
        let view = view(shape)
        var rng = SeededRandom(seed: seed)
        let x = rng.floats(view.count, in: -2...2, awayFromZero: 1e-3)
        let slope = rng.floats(view.mid, in: 0...0.5)
        let gradY = rng.floats(view.count)
        let (xT, slopeT) = (try d.tensor(x, shape), try d.tensor(slope, [view.mid]))
        let (rtol, atol) = (OpTolerance.channelRtol, OpTolerance.channelAtol)
        try d.poisonCache(view.count, view.mid)
        let forward = try OpComparison(op: "prelu", try xT.prelu(slope: slopeT), Reference.prelu(view, x: x, slope: slope), rtol: rtol, atol: atol)
        let grads = try Tensor.preluBackward(input: xT, slope: slopeT, gradOutput: d.tensor(gradY, shape))
        let expected = Reference.preluBackward(view, x: x, slope: slope, gradY: gradY)
        let magnitude = Reference.preluBackward(view, x: x.map { -Swift.abs($0) }, slope: slope, gradY: gradY.map(Swift.abs))
        return [
            forward,
            try OpComparison(op: "prelu backward ∂x", grads.input, expected.input, rtol: rtol, atol: atol),
            try OpComparison(
                op: "prelu backward ∂slope", grads.slope, expected.slope, rtol: rtol,
                atol: Tolerance.accumulated(terms: view.outer * view.inner, magnitude: magnitude.slope.map(Swift.abs))),
        ]
    }
}
