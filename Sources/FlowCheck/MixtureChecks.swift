import FlowRuntime
import FlowTestSupport

/// Flow++ logistic-mixture CDF transformers (K = 1, 2, 5) forward, inverse (bisection) and
/// backward against the Double reference with the tests' tolerances.
enum MixtureChecks {
    static let components = [1, 2, 5]
    static let shapes: [[Int]] = [[1, 1], [3, 7], [17, 33], [2, 3, 5]]

    static func run(_ r: CheckRecorder) {
        for k in components {
            let options = LogisticMixtureOptions(components: k)
            for shape in shapes {
                r.run("mixture", "\(shape) K=\(k)") { try forwardInverse(r, shape, options) }
            }
            for shape in [[33, 17], [2, 3, 5]] {
                r.run("mixture backward", "\(shape) K=\(k)") { try backward(r, shape, options) }
            }
        }
    }

    /// Inputs in [−4, 4]; logits and means in [−2, 2], log-scales in [−1.5, 1], a and b in [−1, 1] (as the tests).
    private static func data(_ count: Int, _ o: LogisticMixtureOptions, seed: UInt64) -> (x: [Double], parameters: [Double]) {
        var rng = SeededRandom(seed: seed)
        let k = o.components
        let x = rng.floats(count, in: -4...4)
        let parameters = (0..<count).flatMap { _ in
            rng.floats(k, in: -2...2) + rng.floats(k, in: -2...2) + rng.floats(k, in: -1.5...1) + rng.floats(2, in: -1...1)
        }
        return (x, parameters)
    }

    private static func spec(_ shape: [Int], _ o: LogisticMixtureOptions) -> LogisticMixtureSpec {
        LogisticMixtureSpec(rows: shape[0], columns: shape.reduce(1, *) / shape[0], options: o)
    }

    private static func forwardInverse(_ r: CheckRecorder, _ shape: [Int], _ o: LogisticMixtureOptions) throws {
        let s = spec(shape, o)
        let d = data(s.count, o, seed: UInt64(s.count))
        let p = try r.tensor(d.parameters, shape + [o.parametersPerElement])
        let label = "\(shape) K=\(o.components)"
        try r.poison(s.count, shape[0])
        let forward = try r.tensor(d.x, shape).logisticMixture(parameters: p, options: o)
        let expected = Reference.logisticMixture(s, inverse: false, x: d.x, parameters: d.parameters)
        try r.close("mixture y", label, forward.output, expected.y, rtol: 0, atol: OpTolerance.mixtureOutput(o, x: d.x, parameters: d.parameters))
        try r.close("mixture logDet", label, forward.logDet, expected.logDet, rtol: 0, atol: OpTolerance.mixtureLogDet(s, x: d.x, parameters: d.parameters))
        let y = expected.y.map { Double(Float($0)) }
        try r.poison(s.count, shape[0])
        let inverse = try r.tensor(y, shape).logisticMixture(parameters: p, options: o, inverse: true)
        let expectedInverse = Reference.logisticMixture(s, inverse: true, x: y, parameters: d.parameters)
        let xTolerance = OpTolerance.mixtureInverse(o, x: expectedInverse.y, parameters: d.parameters)
        try r.close("mixture inverse x", label, inverse.output, expectedInverse.y, rtol: 0, atol: xTolerance)
        let xBack = try inverse.output.toArray().map(Double.init)
        let atReturned = Reference.logisticMixture(s, inverse: false, x: xBack, parameters: d.parameters).logDet.map { -$0 }
        try r.close(
            "mixture inverse logDet", label, inverse.logDet, atReturned, rtol: 0, atol: OpTolerance.mixtureLogDet(s, x: xBack, parameters: d.parameters))
    }

    private static func backward(_ r: CheckRecorder, _ shape: [Int], _ o: LogisticMixtureOptions) throws {
        let s = spec(shape, o)
        let d = data(s.count, o, seed: 76)
        var rng = SeededRandom(seed: 77)
        let (gradY, gradLogDet) = (rng.floats(s.count), rng.floats(shape[0]))
        try r.poison(s.count, s.count * o.parametersPerElement)
        let grads = try Tensor.logisticMixtureBackward(
            input: r.tensor(d.x, shape), parameters: r.tensor(d.parameters, shape + [o.parametersPerElement]), options: o,
            gradOutput: r.tensor(gradY, shape), gradLogDet: r.tensor(gradLogDet, [shape[0]]))
        let expected = Reference.logisticMixtureBackward(s, x: d.x, parameters: d.parameters, gradY: gradY, gradLogDet: gradLogDet)
        let label = "\(shape) K=\(o.components)"
        let (rtol, atol) = (OpTolerance.mixtureGradRtol, OpTolerance.mixtureGradAtol)
        try r.close("mixture backward ∂x", label, grads.input, expected.input, rtol: rtol, atol: atol)
        try r.close("mixture backward ∂parameters", label, grads.parameters, expected.parameters, rtol: rtol, atol: atol)
    }
}
