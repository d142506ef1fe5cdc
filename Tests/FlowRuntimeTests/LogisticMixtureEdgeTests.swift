import Foundation
import FlowRuntime
import FlowTestSupport
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
}
