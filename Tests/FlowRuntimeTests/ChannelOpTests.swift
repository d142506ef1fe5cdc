import FlowRuntime
import FlowTestSupport
import Testing

/// ActNorm and PReLU outputs are one or two float ops on exact inputs and an exp (≤ a few ulps):
/// rtol 1e-5, with atol 1e-6 for outputs near zero (operands are O(1), so a few ulps of them).
private let channelRtol = OpTolerance.channelRtol
private let channelAtol = OpTolerance.channelAtol
/// ActNorm's log-det is `∓inner·Σ_c logScale_c`, a float sum of `channels` exact values then a
/// scaling: `Tolerance.accumulated` over `channels` terms, magnitude `inner·Σ|logScale|`.
/// Parameter gradients sum over `outer·inner` positions: `Tolerance.accumulated` likewise.

/// `[B, D]` vectors and `[B, C, H, W]` images with awkward sizes.
private let channelShapes: [[Int]] = [[1, 1], [3, 7], [257, 3], [5, 257], [2, 3, 5, 7], [3, 17, 4, 4], [1, 33, 1, 1]]

@Suite struct ActNormTests {
    @Test(arguments: TestDevices.all, channelShapes)
    func forwardAndInverseMatchReference(_ d: TestDevice, shape: [Int]) throws {
        let view = channelView(shape)
        var rng = SeededRandom(seed: 51)
        let (x, loc, logScale) = (rng.floats(view.count, in: -3...3), rng.floats(view.mid), rng.floats(view.mid))
        let (locT, scaleT) = (try d.tensor(loc, [view.mid]), try d.tensor(logScale, [view.mid]))
        let logDetAtol = Tolerance.accumulated(
            terms: view.mid, magnitude: [Double](repeating: Double(view.inner) * logScale.map(abs).reduce(0, +), count: view.outer))
        for inverse in [false, true] {
            try d.poisonCache(view.count, view.outer)
            let result = try d.tensor(x, shape).actNorm(loc: locT, logScale: scaleT, inverse: inverse)
            let label = "actNorm \(shape) inverse \(inverse)"
            try expectClose(
                result.output, Reference.channelAffine(view, inverse: inverse, x: x, loc: loc, logScale: logScale),
                rtol: channelRtol, atol: channelAtol, "\(label) y")
            try expectClose(
                result.logDet, Reference.channelAffineLogDet(view, inverse: inverse, logScale: logScale),
                rtol: channelRtol, atol: logDetAtol, "\(label) logDet")
        }
    }

    @Test(arguments: TestDevices.all)
    func backwardMatchesFiniteDifferences(_ d: TestDevice) throws {
        for shape in [[3, 4], [2, 3, 2, 3]] {
            let view = channelView(shape)
            var rng = SeededRandom(seed: 52)
            let (x, loc, logScale) = (rng.floats(view.count, in: -3...3), rng.floats(view.mid), rng.floats(view.mid))
            let (gradY, gradLogDet) = (rng.floats(view.count), rng.floats(view.outer))
            let grads = try Tensor.actNormBackward(
                input: d.tensor(x, shape), loc: d.tensor(loc, [view.mid]), logScale: d.tensor(logScale, [view.mid]),
                gradOutput: d.tensor(gradY, shape), gradLogDet: d.tensor(gradLogDet, [view.outer]))
            try expectGradients(
                [grads.input, grads.loc, grads.logScale],
                matchFiniteDifferencesOf: { p in
                    Reference.dot(gradY, Reference.channelAffine(view, inverse: false, x: p[0], loc: p[1], logScale: p[2]))
                        + Reference.dot(gradLogDet, Reference.channelAffineLogDet(view, inverse: false, logScale: p[2]))
                }, at: [x, loc, logScale], names: ["x", "loc", "logScale"], "actNorm backward \(shape)")
        }
    }

    @Test(arguments: TestDevices.all, channelShapes)
    func backwardMatchesReference(_ d: TestDevice, shape: [Int]) throws {
        let view = channelView(shape)
        var rng = SeededRandom(seed: 53)
        let (x, loc, logScale) = (rng.floats(view.count, in: -3...3), rng.floats(view.mid), rng.floats(view.mid))
        let (gradY, gradLogDet) = (rng.floats(view.count), rng.floats(view.outer))
        let grads = try Tensor.actNormBackward(
            input: d.tensor(x, shape), loc: d.tensor(loc, [view.mid]), logScale: d.tensor(logScale, [view.mid]),
            gradOutput: d.tensor(gradY, shape), gradLogDet: d.tensor(gradLogDet, [view.outer]))
        let expected = Reference.channelAffineBackward(
            view, x: x, loc: loc, logScale: logScale, gradY: gradY, gradLogDet: gradLogDet)
        let magnitude = Reference.channelAffineBackward(
            view, x: x.map(abs), loc: loc.map { -abs($0) }, logScale: logScale, gradY: gradY.map { -abs($0) },
            gradLogDet: gradLogDet.map { -abs($0) })
        let terms = view.outer * view.inner + view.outer
        let label = "actNorm backward \(shape)"
        try expectClose(grads.input, expected.input, rtol: channelRtol, atol: channelAtol, "\(label) ∂x")
        try expectClose(
            grads.loc, expected.loc, rtol: channelRtol,
            atol: Tolerance.accumulated(terms: terms, magnitude: magnitude.loc.map(abs)), "\(label) ∂loc")
        try expectClose(
            grads.logScale, expected.logScale, rtol: channelRtol,
            atol: Tolerance.accumulated(terms: terms, magnitude: magnitude.logScale.map(abs)), "\(label) ∂logScale")
    }
}

@Suite struct PReluTests {
    @Test(arguments: TestDevices.all, channelShapes)
    func forwardAndBackwardMatchReference(_ d: TestDevice, shape: [Int]) throws {
        let view = channelView(shape)
        var rng = SeededRandom(seed: 54)
        let x = rng.floats(view.count, in: -2...2, awayFromZero: 1e-3)
        let slope = rng.floats(view.mid, in: 0...0.5)
        let gradY = rng.floats(view.count)
        let (xT, slopeT) = (try d.tensor(x, shape), try d.tensor(slope, [view.mid]))
        try d.poisonCache(view.count, view.mid)
        try expectClose(
            try xT.prelu(slope: slopeT), Reference.prelu(view, x: x, slope: slope), rtol: channelRtol, atol: channelAtol,
            "prelu \(shape)")
        let grads = try Tensor.preluBackward(input: xT, slope: slopeT, gradOutput: d.tensor(gradY, shape))
        let expected = Reference.preluBackward(view, x: x, slope: slope, gradY: gradY)
        let magnitude = Reference.preluBackward(view, x: x.map { -abs($0) }, slope: slope, gradY: gradY.map(abs))
        try expectClose(grads.input, expected.input, rtol: channelRtol, atol: channelAtol, "prelu backward \(shape) ∂x")
        try expectClose(
            grads.slope, expected.slope, rtol: channelRtol,
            atol: Tolerance.accumulated(terms: view.outer * view.inner, magnitude: magnitude.slope.map(abs)),
            "prelu backward \(shape) ∂slope")
    }

    @Test(arguments: TestDevices.all)
    func backwardMatchesFiniteDifferences(_ d: TestDevice) throws {
        let shape = [2, 3, 2, 2]
        let view = channelView(shape)
        var rng = SeededRandom(seed: 55)
        // Inputs at least 1e-3 from the kink at 0, far beyond the finite-difference step.
        let x = rng.floats(view.count, in: -2...2, awayFromZero: 1e-3)
        let slope = rng.floats(view.mid, in: 0...0.5)
        let gradY = rng.floats(view.count)
        let grads = try Tensor.preluBackward(
            input: d.tensor(x, shape), slope: d.tensor(slope, [view.mid]), gradOutput: d.tensor(gradY, shape))
        try expectGradients(
            [grads.input, grads.slope],
            matchFiniteDifferencesOf: { p in Reference.dot(gradY, Reference.prelu(view, x: p[0], slope: p[1])) },
            at: [x, slope], names: ["x", "slope"], "prelu backward")
    }
}
