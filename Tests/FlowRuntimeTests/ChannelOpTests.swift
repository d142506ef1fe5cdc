import FlowRuntime
import FlowTestSupport
import Testing

/// ActNorm and PReLU outputs are one or two float ops on exact inputs and an exp (≤ a few ulps):
/// rtol 1e-5, with atol 1e-6 for outputs near zero (operands are O(1), so a few ulps of them)
/// (`OpTolerance.channelRtol` / `channelAtol`, which `ChannelCases` compares with).
/// ActNorm's log-det is `∓inner·Σ_c logScale_c`, a float sum of `channels` exact values then a
/// scaling: `Tolerance.accumulated` over `channels` terms, magnitude `inner·Σ|logScale|`.
/// Parameter gradients sum over `outer·inner` positions: `Tolerance.accumulated` likewise.
@Suite struct ActNormTests {
    /// `ChannelCases.shapes` forward and inverse (the comparisons `flowkit check` reports too).
    @Test(arguments: TestDevices.all, ChannelCases.shapes)
    func forwardAndInverseMatchReference(_ d: TestDevice, shape: [Int]) throws {
        expect(try ChannelCases.actNorm(on: d, shape: shape), "\(shape)")
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

    /// `ChannelCases.shapes` backward, each with every seed (the comparisons `flowkit check` reports too).
    @Test(arguments: TestDevices.all, ChannelCases.shapes)
    func backwardMatchesReference(_ d: TestDevice, shape: [Int]) throws {
        for seed in ChannelCases.actNormBackwardSeeds {
            expect(try ChannelCases.actNormBackward(on: d, shape: shape, seed: seed), "\(shape) seed \(seed)")
        }
    }
}

@Suite struct PReluTests {
    /// `ChannelCases.shapes`, each with every seed (the comparisons `flowkit check` reports too).
    @Test(arguments: TestDevices.all, ChannelCases.shapes)
    func forwardAndBackwardMatchReference(_ d: TestDevice, shape: [Int]) throws {
        for seed in ChannelCases.preluSeeds {
            expect(try ChannelCases.prelu(on: d, shape: shape, seed: seed), "\(shape) seed \(seed)")
        }
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
