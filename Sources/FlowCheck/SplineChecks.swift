import FlowRuntime
import FlowTestSupport

/// Rational-quadratic splines (K = 1, 2, 5, 8; a sixth of the inputs in the tails) forward,
/// inverse and backward against the Double reference with the tests' tolerances.
enum SplineChecks {
    static let bins = [1, 2, 5, 8]
    static let shapes: [[Int]] = [[1, 1], [3, 7], [17, 33], [2, 3, 5]]

    static func run(_ r: CheckRecorder) {
        for k in bins {
            let options = SplineOptions(bins: k, bound: 2.5)
            for shape in shapes {
                r.run("spline", "\(shape) K=\(k)") { try forwardInverse(r, shape, options) }
            }
            for shape in [[33, 17], [2, 3, 5]] {
                r.run("spline backward", "\(shape) K=\(k)") { try backward(r, shape, options) }
            }
        }
    }

    private static func data(_ count: Int, _ o: SplineOptions, seed: UInt64) -> (x: [Double], parameters: [Double]) {
        var rng = SeededRandom(seed: seed)
        let bound = Double(o.bound)
        return (rng.floats(count, in: -1.2 * bound...1.2 * bound), rng.floats(count * o.parametersPerElement, in: -2...2))
    }

    private static func spec(_ shape: [Int], _ o: SplineOptions) -> SplineSpec {
        SplineSpec(rows: shape[0], columns: shape.reduce(1, *) / shape[0], options: o)
    }

    private static func forwardInverse(_ r: CheckRecorder, _ shape: [Int], _ o: SplineOptions) throws {
        let s = spec(shape, o)
        let d = data(s.count, o, seed: UInt64(s.count))
        let p = try r.tensor(d.parameters, shape + [o.parametersPerElement])
        let label = "\(shape) K=\(o.bins)"
        try r.poison(s.count, shape[0])
        let forward = try r.tensor(d.x, shape).rationalQuadraticSpline(parameters: p, options: o)
        let expected = Reference.spline(s, inverse: false, x: d.x, parameters: d.parameters)
        try r.close("spline y", label, forward.output, expected.y, rtol: OpTolerance.splineRtol, atol: OpTolerance.splineAtol)
        let terms = OpTolerance.splineTerms(s, inverse: false, x: d.x, parameters: d.parameters)
        try r.close("spline logDet", label, forward.logDet, expected.logDet, rtol: OpTolerance.splineRtol, atol: OpTolerance.splineLogDet(s, terms: terms))
        // The inverse of the (float-rounded) reference output against the reference's inverse.
        let y = expected.y.map { Double(Float($0)) }
        let inverse = try r.tensor(y, shape).rationalQuadraticSpline(parameters: p, options: o, inverse: true)
        let expectedInverse = Reference.spline(s, inverse: true, x: y, parameters: d.parameters)
        let xTolerance = OpTolerance.splineInverse(s, x: expectedInverse.y, parameters: d.parameters)
        try r.close("spline inverse x", label, inverse.output, expectedInverse.y, rtol: 0, atol: xTolerance)
        // The inverse's log-det belongs to the x actually returned.
        let xBack = try inverse.output.toArray().map(Double.init)
        let atReturned = Reference.spline(s, inverse: false, x: xBack, parameters: d.parameters).logDet.map { -$0 }
        let backTerms = OpTolerance.splineTerms(s, inverse: false, x: xBack, parameters: d.parameters)
        try r.close(
            "spline inverse logDet", label, inverse.logDet, atReturned, rtol: OpTolerance.splineRtol,
            atol: OpTolerance.splineLogDet(s, terms: backTerms))
    }

    private static func backward(_ r: CheckRecorder, _ shape: [Int], _ o: SplineOptions) throws {
        let s = spec(shape, o)
        let d = data(s.count, o, seed: 55)
        var rng = SeededRandom(seed: 56)
        let (gradY, gradLogDet) = (rng.floats(s.count), rng.floats(shape[0]))
        try r.poison(s.count, s.count * o.parametersPerElement)
        let grads = try Tensor.rationalQuadraticSplineBackward(
            input: r.tensor(d.x, shape), parameters: r.tensor(d.parameters, shape + [o.parametersPerElement]), options: o,
            gradOutput: r.tensor(gradY, shape), gradLogDet: r.tensor(gradLogDet, [shape[0]]))
        let expected = Reference.splineBackward(s, x: d.x, parameters: d.parameters, gradY: gradY, gradLogDet: gradLogDet)
        let label = "\(shape) K=\(o.bins)"
        let (rtol, atol) = (OpTolerance.splineGradRtol, OpTolerance.splineGradAtol)
        try r.close("spline backward ∂x", label, grads.input, expected.input, rtol: rtol, atol: atol)
        try r.close("spline backward ∂parameters", label, grads.parameters, expected.parameters, rtol: rtol, atol: atol)
    }
}
