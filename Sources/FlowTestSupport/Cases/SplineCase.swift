import FlowRuntime

/// The rational-quadratic spline's op cases, written once for SplineTests and `flowkit check`:
/// the options, the shapes, the data (drawn from a seed), and each output's reference and
/// tolerance (`OpTolerance`, whose reasons SplineTests gives).
public struct SplineCase: Sendable, CustomStringConvertible {
    public var options: SplineOptions
    public var description: String { "K=\(options.bins), B=\(options.bound)" }

    public init(options: SplineOptions) { self.options = options }

    /// K = 1 (a single bin: the identity inside, still through every formula), 2, 5 and 8.
    public static let standard: [SplineCase] = [1, 2, 5, 8].map { SplineCase(options: SplineOptions(bins: $0, bound: 2.5)) }
    /// Forward and inverse shapes `[B, …]`: awkward widths and batch sizes, and one rank-3 tensor.
    public static let shapes: [[Int]] = [[1, 1], [3, 7], [17, 33], [2, 3, 5]]
    /// Backward shapes, against the element-by-element reference.
    public static let backwardShapes: [[Int]] = [[33, 17], [1, 65], [2, 3, 5]]

    public var per: Int { options.parametersPerElement }

    /// Inputs over `[−1.2B, 1.2B]` (about a sixth in the tails) and logits in [−2, 2], where bins
    /// differ in size by up to e⁴ and slopes range over ~[0.1, 2].
    public func data(_ count: Int, seed: UInt64, span: Double = 1.2) -> (x: [Double], parameters: [Double]) {
        var rng = SeededRandom(seed: seed)
        let bound = Double(options.bound)
        return (rng.floats(count, in: -span * bound...span * bound), rng.floats(count * per, in: -2...2))
    }

    public func spec(_ shape: [Int]) -> SplineSpec {
        SplineSpec(rows: shape[0], columns: shape.reduce(1, *) / shape[0], options: options)
    }

    /// The packed parameters of one element, by group (K = 1 has no inner derivatives).
    public var parameterGroups: [(name: String, range: Range<Int>)] {
        let k = options.bins
        return [("widths", 0..<k), ("heights", k..<2 * k), ("derivatives", 2 * k..<3 * k - 1)]
    }

    /// Forward and inverse on `shape` against the Double reference: y and log-det; the inverse of
    /// the (float-rounded) reference output against the reference's bisection and against the
    /// original x; the inverse's log-det at the x it actually returned.
    public func forwardInverse(on d: TestDevice, shape: [Int]) throws -> [OpComparison] {
        let spec = spec(shape)
        let data = data(spec.count, seed: UInt64(spec.count))
        let p = try d.tensor(data.parameters, shape + [per])
        try d.poisonCache(spec.count, shape[0])
        let forward = try d.tensor(data.x, shape).rationalQuadraticSpline(parameters: p, options: options)
        try OpCaseError.requireShape("spline y", forward.output.shape, shape)
        try OpCaseError.requireShape("spline logDet", forward.logDet.shape, [shape[0]])
        let expected = Reference.spline(spec, inverse: false, x: data.x, parameters: data.parameters)
        let terms = OpTolerance.splineTerms(spec, inverse: false, x: data.x, parameters: data.parameters)
        var comparisons = [
            try OpComparison(op: "spline y", forward.output, expected.y, rtol: OpTolerance.splineRtol, atol: OpTolerance.splineAtol),
            try OpComparison(
                op: "spline logDet", forward.logDet, expected.logDet, rtol: OpTolerance.splineRtol,
                atol: OpTolerance.splineLogDet(spec, terms: terms)),
        ]
        let y = expected.y.asFloats
        let inverse = try d.tensor(y, shape).rationalQuadraticSpline(parameters: p, options: options, inverse: true)
        let expectedInverse = Reference.spline(spec, inverse: true, x: y, parameters: data.parameters)
        let xTolerance = OpTolerance.splineInverse(spec, x: expectedInverse.y, parameters: data.parameters)
        comparisons.append(try OpComparison(op: "spline inverse x", inverse.output, expectedInverse.y, rtol: 0, atol: xTolerance))
        comparisons.append(try OpComparison(op: "spline inverse x = original x", inverse.output, data.x, rtol: 0, atol: xTolerance))
        // The log-det belongs to the x actually returned: −Σ log slope there (x's own error is checked above).
        let xBack = try inverse.output.values()
        let atReturned = Reference.spline(spec, inverse: false, x: xBack, parameters: data.parameters).logDet.map { -$0 }
        let backTerms = OpTolerance.splineTerms(spec, inverse: false, x: xBack, parameters: data.parameters)
        comparisons.append(
            try OpComparison(
                op: "spline inverse logDet", inverse.logDet, atReturned, rtol: OpTolerance.splineRtol,
                atol: OpTolerance.splineLogDet(spec, terms: backTerms)))
        return comparisons
    }

    /// The backward on `shape` against the reference's gradients: ∂x, then ∂parameters by group.
    public func backward(on d: TestDevice, shape: [Int]) throws -> [OpComparison] {
        let spec = spec(shape)
        let data = data(spec.count, seed: 55)
        var rng = SeededRandom(seed: 56)
        let (gradY, gradLogDet) = (rng.floats(spec.count), rng.floats(shape[0]))
        try d.poisonCache(spec.count, spec.count * per)
        let grads = try Tensor.rationalQuadraticSplineBackward(
            input: d.tensor(data.x, shape), parameters: d.tensor(data.parameters, shape + [per]), options: options,
            gradOutput: d.tensor(gradY, shape), gradLogDet: d.tensor(gradLogDet, [shape[0]]))
        let expected = Reference.splineBackward(spec, x: data.x, parameters: data.parameters, gradY: gradY, gradLogDet: gradLogDet)
        return [
            try OpComparison(
                op: "spline backward ∂x", grads.input, expected.input, rtol: OpTolerance.splineGradRtol, atol: OpTolerance.splineGradAtol)
        ] + parameterGradients(op: "spline backward ∂", try grads.parameters.values(), expected.parameters)
    }

    /// Packed parameter gradients compared group by group, so a failure names widths, heights or derivatives.
    public func parameterGradients(op: String, _ actual: [Double], _ expected: [Double]) -> [OpComparison] {
        OpComparison.grouped(
            op: op, actual: actual, expected: expected, stride: per, groups: parameterGroups,
            rtol: OpTolerance.splineGradRtol, atol: OpTolerance.splineGradAtol)
    }
}
