import FlowRuntime

/// The standard-normal log-density's op cases (`Tensor.normalLogProb`, per row), written once for
/// ReduceTests and `flowkit check`: against `Reference.normalLogProb` with `Tolerance.accumulated`
/// over a row's terms plus `OpTolerance.reduceRtol`.
public struct NormalLogProbCase: Sendable, CustomStringConvertible {
    public var shape: [Int]
    public var x: [Double]
    public var description: String { "\(shape)" }

    /// Normal inputs (seed 61) on every reduction shape, and uniform ones in [−3, 3] on
    /// `flowkit check`'s own shapes before the registry.
    public static let all: [NormalLogProbCase] =
        ReduceCases.shapes.map { shape in
            var rng = SeededRandom(seed: 61)
            return NormalLogProbCase(shape: shape, x: rng.normals(shape.reduce(1, *)))
        }
        + [[1, 1], [7, 33], [130, 257]].map { shape in
            var rng = SeededRandom(seed: UInt64(shape[0] * shape[1] + 7))
            return NormalLogProbCase(shape: shape, x: rng.floats(shape[0] * shape[1], in: -3...3))
        }

    public func run(on d: TestDevice) throws -> OpComparison {
        let (rows, columns) = (shape[0], x.count / shape[0])
        let input = try d.tensor(x, shape)
        try d.poisonCache(rows)
        let result = try input.normalLogProb()
        try OpCaseError.requireShape("normalLogProb", result.shape, [rows])
        return try OpComparison(
            op: "normalLogProb", result, Reference.normalLogProb(rows: rows, columns: columns, x: x), rtol: OpTolerance.reduceRtol,
            atol: Tolerance.accumulated(terms: columns + 1, magnitude: Reference.normalLogProbMagnitude(rows: rows, columns: columns, x: x)))
    }
}
