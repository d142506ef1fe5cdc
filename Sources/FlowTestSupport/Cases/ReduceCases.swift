import FlowRuntime

/// The reductions' op cases (per-sample, per-channel, squared, feature, total, mean), written once
/// for ReduceTests and `flowkit check`: each output against `Reference.reduceSum` with
/// `Tolerance.accumulated` over the summed terms plus `OpTolerance.reduceRtol`.
public enum ReduceCases {
    /// Shapes with awkward sizes; 257 and larger only here, where the ops are cheap.
    public static let shapes: [[Int]] = [
        [1, 1], [3, 7], [17, 33], [257, 3], [7, 257], [2, 3, 5, 7], [33, 17, 3, 3], [4, 5, 1, 257], [1000, 65],
    ]

    /// Zero-mean values plus an offset, so both cancellation and same-sign accumulation occur.
    public static func data(_ count: Int, seed: UInt64) -> [Double] {
        var rng = SeededRandom(seed: seed)
        return rng.floats(count, in: -1...1.5)
    }

    /// Every reduction of one tensor of `shape` (featureSum for matrices only).
    public static func sums(on d: TestDevice, shape: [Int]) throws -> [OpComparison] {
        let count = shape.reduce(1, *)
        let x = data(count, seed: UInt64(count))
        let tensor = try d.tensor(x, shape)
        let rows = shape[0]
        let channels = AxisView(outer: shape[0], mid: shape[1], inner: shape.dropFirst(2).reduce(1, *))
        try d.poisonCache(rows, shape[1], 1)
        var comparisons = [
            try reduction("perSampleSum", try tensor.perSampleSum(), AxisView(outer: 1, mid: rows, inner: count / rows), squared: false, x),
            try reduction("channelSum", try tensor.channelSum(), channels, squared: false, x),
            try reduction("channelSum squared", try tensor.channelSum(squared: true), channels, squared: true, x),
        ]
        if shape.count == 2 {
            comparisons.append(try reduction("featureSum", try tensor.featureSum(), channels, squared: false, x))
        }
        comparisons.append(try reduction("sum", try tensor.sum(), AxisView(outer: 1, mid: 1, inner: count), squared: false, x))
        let expectedMean = Reference.reduceSum(AxisView(outer: 1, mid: 1, inner: count), squared: false, x: x)[0] / Double(count)
        let meanAtol = Tolerance.accumulated(terms: count, magnitude: [x.map(Swift.abs).reduce(0, +) / Double(count)])
        comparisons.append(try OpComparison(op: "mean", try tensor.mean(), [expectedMean], rtol: OpTolerance.reduceRtol, atol: meanAtol))
        return comparisons
    }

    /// `reduceSum` over `view` (through whichever Tensor op produced `actual`).
    private static func reduction(_ op: String, _ actual: Tensor, _ view: AxisView, squared: Bool, _ x: [Double]) throws -> OpComparison {
        try OpCaseError.requireShape(op, actual.shape, [view.mid])
        let expected = Reference.reduceSum(view, squared: squared, x: x)
        let magnitude = Reference.reduceSum(view, squared: squared, x: x.map(Swift.abs))
        return try OpComparison(
            op: op, actual, expected, rtol: OpTolerance.reduceRtol,
            atol: Tolerance.accumulated(terms: view.outer * view.inner, magnitude: magnitude))
    }
}
