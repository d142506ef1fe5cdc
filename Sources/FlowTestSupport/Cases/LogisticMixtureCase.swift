import FlowRuntime

/// The Flow++ logistic-mixture CDF transformer's op cases, written once for LogisticMixtureTests
/// and `flowkit check`: the options, the shapes, the data (drawn from a seed), and each output's
/// reference and tolerance (`OpTolerance`, from float rounding of the op's log-domain terms).
public struct LogisticMixtureCase: Sendable, CustomStringConvertible {
    public var options: LogisticMixtureOptions
    public var description: String { "K=\(options.components)" }

    public init(options: LogisticMixtureOptions) { self.options = options }

    /// K = 1 (closed-form inverse: the bracket is a point), 2 and 5.
    public static let standard: [LogisticMixtureCase] = [1, 2, 5].map {
        LogisticMixtureCase(options: LogisticMixtureOptions(components: $0))
    }
    /// Forward and inverse shapes `[B, …]`: awkward widths and batch sizes, and one rank-3 tensor.
    public static let shapes: [[Int]] = [[1, 1], [3, 7], [17, 33], [2, 3, 5]]
    /// Backward shapes, against the element-by-element reference.
    public static let backwardShapes: [[Int]] = [[33, 17], [1, 65], [2, 3, 5]]

    public var per: Int { options.parametersPerElement }
    public var k: Int { options.components }

    /// Inputs in [−4, 4]; per element logits and means in [−2, 2], log-scales in [−1.5, 1] (so
    /// components range from narrow to wide and |z| reaches ~25), a and b in [−1, 1].
    public func data(_ count: Int, seed: UInt64) -> (x: [Double], parameters: [Double]) {
        var rng = SeededRandom(seed: seed)
        let x = rng.floats(count, in: -4...4)
        let parameters = (0..<count).flatMap { _ in
            rng.floats(k, in: -2...2) + rng.floats(k, in: -2...2) + rng.floats(k, in: -1.5...1) + rng.floats(2, in: -1...1)
        }
        return (x, parameters)
    }

    public func spec(_ shape: [Int]) -> LogisticMixtureSpec {
        LogisticMixtureSpec(rows: shape[0], columns: shape.reduce(1, *) / shape[0], options: options)
    }

    public func slice(_ parameters: [Double], _ i: Int) -> ArraySlice<Double> { parameters[i * per..<(i + 1) * per] }

    /// The packed parameters of one element, by group.
    public var parameterGroups: [(name: String, range: Range<Int>)] {
        [("logits", 0..<k), ("means", k..<2 * k), ("log-scales", 2 * k..<3 * k), ("a", 3 * k..<3 * k + 1), ("b", 3 * k + 1..<3 * k + 2)]
    }

    /// Forward and inverse on `shape` against the Double reference: y and log-det; the inverse of
    /// the (float-rounded) reference output against the reference's own bisection and against the
    /// original x; the inverse's log-det at the x it actually returned.
    public func forwardInverse(on d: TestDevice, shape: [Int]) throws -> [OpComparison] {
        let spec = spec(shape)
        let data = data(spec.count, seed: UInt64(spec.count))
        let p = try d.tensor(data.parameters, shape + [per])
        try d.poisonCache(spec.count, shape[0])
        let forward = try d.tensor(data.x, shape).logisticMixture(parameters: p, options: options)
        try OpCaseError.requireShape("mixture y", forward.output.shape, shape)
        try OpCaseError.requireShape("mixture logDet", forward.logDet.shape, [shape[0]])
        let expected = Reference.logisticMixture(spec, inverse: false, x: data.x, parameters: data.parameters)
        var comparisons = [
            try OpComparison(
                op: "mixture y", forward.output, expected.y, rtol: 0,
                atol: OpTolerance.mixtureOutput(options, x: data.x, parameters: data.parameters)),
            try OpComparison(
                op: "mixture logDet", forward.logDet, expected.logDet, rtol: 0,
                atol: OpTolerance.mixtureLogDet(spec, x: data.x, parameters: data.parameters)),
        ]
        let y = expected.y.asFloats
        try d.poisonCache(spec.count, shape[0])
        let inverse = try d.tensor(y, shape).logisticMixture(parameters: p, options: options, inverse: true)
        let expectedInverse = Reference.logisticMixture(spec, inverse: true, x: y, parameters: data.parameters)
        let xTolerance = OpTolerance.mixtureInverse(options, x: expectedInverse.y, parameters: data.parameters)
        comparisons.append(try OpComparison(op: "mixture inverse x", inverse.output, expectedInverse.y, rtol: 0, atol: xTolerance))
        comparisons.append(try OpComparison(op: "mixture inverse x = original x", inverse.output, data.x, rtol: 0, atol: xTolerance))
        // The log-det belongs to the x actually returned (x's own error is checked above).
        let xBack = try inverse.output.values()
        let atReturned = Reference.logisticMixture(spec, inverse: false, x: xBack, parameters: data.parameters).logDet.map { -$0 }
        comparisons.append(
            try OpComparison(
                op: "mixture inverse logDet", inverse.logDet, atReturned, rtol: 0,
                atol: OpTolerance.mixtureLogDet(spec, x: xBack, parameters: data.parameters)))
        return comparisons
    }

    /// The backward on `shape` against the reference's gradients: ∂x, then ∂parameters by group.
    public func backward(on d: TestDevice, shape: [Int]) throws -> [OpComparison] {
        let spec = spec(shape)
        let data = data(spec.count, seed: 76)
        var rng = SeededRandom(seed: 77)
        let (gradY, gradLogDet) = (rng.floats(spec.count), rng.floats(shape[0]))
        try d.poisonCache(spec.count, spec.count * per)
        let grads = try Tensor.logisticMixtureBackward(
            input: d.tensor(data.x, shape), parameters: d.tensor(data.parameters, shape + [per]), options: options,
            gradOutput: d.tensor(gradY, shape), gradLogDet: d.tensor(gradLogDet, [shape[0]]))
        let expected = Reference.logisticMixtureBackward(
            spec, x: data.x, parameters: data.parameters, gradY: gradY, gradLogDet: gradLogDet)
        return [
            try OpComparison(
                op: "mixture backward ∂x", grads.input, expected.input, rtol: OpTolerance.mixtureGradRtol,
                atol: OpTolerance.mixtureGradAtol)
        ] + parameterGradients(op: "mixture backward ∂", try grads.parameters.values(), expected.parameters)
    }

    /// Packed parameter gradients compared group by group, so a failure names the group.
    public func parameterGradients(op: String, _ actual: [Double], _ expected: [Double]) -> [OpComparison] {
        OpComparison.grouped(
            op: op, actual: actual, expected: expected, stride: per, groups: parameterGroups,
            rtol: OpTolerance.mixtureGradRtol, atol: OpTolerance.mixtureGradAtol)
    }
}
