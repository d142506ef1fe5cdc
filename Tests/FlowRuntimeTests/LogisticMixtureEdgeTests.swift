import FlowRuntime
import FlowTestSupport
import Foundation
import Testing

/// Extreme inputs (|x| up to 50) with very peaked components: log-scales at the clamp (−7, so
/// |z| reaches ~5.5e4) and below it (−10, clamped to −7), logits ±12 (weights down to e⁻²⁴).
private func extremeData(_ c: LogisticMixtureCase, _ count: Int, seed: UInt64) -> (x: [Double], parameters: [Double]) {
    var rng = SeededRandom(seed: seed)
    let points: [Double] = [-50, -20, -3, 0, 0.5, 3, 20, 50]
    let x = (0..<count).map { points[$0 % points.count] }
    let parameters = (0..<count).flatMap { i -> [Double] in
        let logits = (0..<c.k).map { j in j % 2 == 0 ? 12.0 : -12.0 }
        let means = rng.floats(c.k, in: -1...1)
        let scales = (0..<c.k).map { j in [-7.0, -10.0, -3.0][(i + j) % 3] }
        return logits + means + scales + rng.floats(2, in: -1...1)
    }
    return (x, parameters)
}

private let extremeCases = [1, 5].map { LogisticMixtureCase(options: LogisticMixtureOptions(components: $0)) }

@Suite struct LogisticMixtureEdgeTests {
    /// Forward, inverse and backward stay finite at the extremes, and agree with the Double
    /// reference to the same error model as the ordinary tests (whose magnitudes are now ~5.5e4).
    @Test(arguments: TestDevices.all, extremeCases)
    func extremeInputsAreFiniteAndAccurate(_ d: TestDevice, _ c: LogisticMixtureCase) throws {
        let shape = [3, 8]
        let spec = c.spec(shape)
        let data = extremeData(c, spec.count, seed: 81)
        let p = try d.tensor(data.parameters, shape + [c.per])
        let forward = try d.tensor(data.x, shape).logisticMixture(parameters: p, options: c.options)
        let y = try forward.output.values()
        #expect(y.allSatisfy { $0.isFinite }, "\(c) y finite: \(y)")
        let forwardLogDet = try forward.logDet.values()
        #expect(forwardLogDet.allSatisfy { $0.isFinite }, "\(c) logDet finite")
        let expected = Reference.logisticMixture(spec, inverse: false, x: data.x, parameters: data.parameters)
        try expectClose(
            forward.output, expected.y, rtol: 0, atol: mixtureOutputTolerance(c, x: data.x, parameters: data.parameters),
            "\(c) extreme y")
        try expectClose(
            forward.logDet, expected.logDet, rtol: 0,
            atol: mixtureLogDetTolerance(c, spec, x: data.x, parameters: data.parameters), "\(c) extreme logDet")

        let back = try forward.output.logisticMixture(parameters: p, options: c.options, inverse: true)
        let xBack = try back.output.values()
        #expect(xBack.allSatisfy { $0.isFinite }, "\(c) inverse finite")
        let backLogDet = try back.logDet.values()
        #expect(backLogDet.allSatisfy { $0.isFinite }, "\(c) inverse logDet finite")
        try expectClose(
            back.output, data.x, rtol: 0, atol: mixtureInverseTolerance(c, x: data.x, parameters: data.parameters),
            "\(c) extreme round trip")

        var rng = SeededRandom(seed: 82)
        let grads = try Tensor.logisticMixtureBackward(
            input: d.tensor(data.x, shape), parameters: p, options: c.options,
            gradOutput: d.tensor(rng.floats(spec.count), shape), gradLogDet: d.tensor(rng.floats(3), [3]))
        let gradX = try grads.input.values()
        #expect(gradX.allSatisfy { $0.isFinite }, "\(c) ∂x finite")
        let gradParameters = try grads.parameters.values()
        #expect(gradParameters.allSatisfy { $0.isFinite }, "\(c) ∂parameters finite")
    }

    /// A log-scale below the clamp acts as the clamp and gets no gradient; one above it does.
    @Test(arguments: TestDevices.all)
    func logScaleClamp(_ d: TestDevice) throws {
        let o = LogisticMixtureOptions(components: 2, minLogScale: -2)
        // Logits, means, log-scales, a, b; the second component's log-scale is below the clamp.
        let below: [Double] = [0.3, -0.2, -0.5, 0.7, 0.25, -3, 0.1, -0.4]
        let at: [Double] = [0.3, -0.2, -0.5, 0.7, 0.25, -2, 0.1, -0.4]
        let x = try d.tensor([0.6], [1, 1])
        let fromBelow = try x.logisticMixture(parameters: d.tensor(below, [1, 1, 8]), options: o)
        let fromAt = try x.logisticMixture(parameters: d.tensor(at, [1, 1, 8]), options: o)
        expectIdentical(try fromBelow.output.toArray(), try fromAt.output.toArray(), "clamped y")
        expectIdentical(try fromBelow.logDet.toArray(), try fromAt.logDet.toArray(), "clamped logDet")
        let grads = try Tensor.logisticMixtureBackward(
            input: x, parameters: d.tensor(below, [1, 1, 8]), options: o, gradOutput: d.tensor([0.5], [1, 1]),
            gradLogDet: d.tensor([-0.75], [1]))
        let g = try grads.parameters.values()
        #expect(g[5] == 0, "no gradient below the clamp: \(g)")
        #expect(g[4] != 0, "gradient above the clamp: \(g)")
    }

    /// Huge affine log-scales (±1e4, ±1e30 raw) are bounded to ±A, so forward, inverse and
    /// backward stay finite: each element's log-det term is within float rounding of its value at
    /// a = ±A exactly, the round trip holds, and the gradient through the saturated bound vanishes.
    @Test(arguments: TestDevices.all)
    func affineLogScaleIsBounded(_ d: TestDevice) throws {
        let o = LogisticMixtureOptions(components: 2)
        let raws: [Double] = [1e4, -1e4, 1e30, -1e30]
        // Logits, means, log-scales, then the raw a and b.
        let parameters = raws.flatMap { [0.3, -0.2, -0.5, 0.7, 0.25, -0.5, $0, 0.1] }
        let shape = [4, 1]
        let spec = LogisticMixtureSpec(rows: 4, columns: 1, options: o)
        let x: [Double] = [0.6, -1.5, 2, 0]
        let p = try d.tensor(parameters, shape + [8])
        let forward = try d.tensor(x, shape).logisticMixture(parameters: p, options: o)
        let y = try forward.output.values()
        #expect(y.allSatisfy { $0.isFinite }, "y finite: \(y)")
        // tanh saturates to exactly ±1 in float and Double alike, so the reference's a is ±A too.
        let saturated = parameters
        #expect(raws.allSatisfy { abs(Reference.mixtureAffineLogScale([0, 0, 0, 0, 0, 0, $0, 0], o)) == Double(o.maxAffineLogScale) })
        let expected = Reference.logisticMixture(spec, inverse: false, x: x, parameters: saturated)
        try expectClose(forward.output, expected.y, rtol: 0, atol: OpTolerance.mixtureOutput(o, x: x, parameters: saturated), "y")
        try expectClose(
            forward.logDet, expected.logDet, rtol: 0, atol: OpTolerance.mixtureLogDet(spec, x: x, parameters: saturated), "logDet")
        let back = try forward.output.logisticMixture(parameters: p, options: o, inverse: true)
        try expectClose(back.output, x, rtol: 0, atol: OpTolerance.mixtureInverse(o, x: x, parameters: saturated), "round trip")
        let grads = try Tensor.logisticMixtureBackward(
            input: d.tensor(x, shape), parameters: p, options: o, gradOutput: d.tensor([1, -1, 0.5, 2], shape),
            gradLogDet: d.tensor([1, 1, -1, 0.5], [4]))
        // A gradient through an unbounded a would be of order g·e^a·σ⁻¹F, here ~100 or more.
        let g = try grads.parameters.values()
        #expect(g.allSatisfy { $0.isFinite }, "gradients finite: \(g)")
        // The factor 1 − tanh² is 0 where tanh rounds to 1 (CPU); OpenCL's tanh may stop a few ulps
        // short of 1 (PoCL: 1 − 2⁻²⁴), leaving a factor up to ~10 ulps of 1, against the unbounded
        // gradient g·e^a·σ⁻¹F + gl of the other parameters.
        let (gy, gl): ([Double], [Double]) = ([1, -1, 0.5, 2], [1, 1, -1, 0.5])
        for row in 0..<4 {
            let slice = parameters[row * 8..<(row + 1) * 8]
            let l = Reference.logisticMixtureLogs(x[row], slice, o)
            let unbounded = abs(gy[row]) * exp(Double(o.maxAffineLogScale)) * abs(l.logF - l.log1mF) + abs(gl[row])
            #expect(abs(g[row * 8 + 6]) <= 1.2e-6 * unbounded, "gradient through the saturated bound, row \(row): \(g[row * 8 + 6])")
        }
    }
}
