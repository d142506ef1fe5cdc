import FlowRuntime
import FlowTestSupport

/// Reductions (per-sample, per-channel, squared, total, mean) and the standard-normal log-density
/// against the Double reference: `Tolerance.accumulated` over the summed terms plus `reduceRtol`.
enum ReduceChecks {
    static let shapes: [[Int]] = [[1, 1], [3, 7], [257, 3], [7, 257], [2, 3, 5, 7], [33, 17, 3, 3], [1000, 65]]

    static func run(_ r: CheckRecorder) {
        for shape in shapes {
            r.run("reduce", "\(shape)") { try sums(r, shape) }
        }
        for (rows, columns) in [(1, 1), (7, 33), (130, 257)] {
            r.run("normalLogProb", "[\(rows), \(columns)]") { try normalLogProb(r, rows, columns) }
        }
    }

    private static func expect(_ r: CheckRecorder, _ op: String, _ label: String, _ actual: Tensor, _ view: AxisView, squared: Bool, _ x: [Double]) throws {
        let expected = Reference.reduceSum(view, squared: squared, x: x)
        let magnitude = Reference.reduceSum(view, squared: squared, x: x.map(Swift.abs))
        try r.close(op, label, actual, expected, rtol: OpTolerance.reduceRtol, atol: Tolerance.accumulated(terms: view.outer * view.inner, magnitude: magnitude))
    }

    private static func sums(_ r: CheckRecorder, _ shape: [Int]) throws {
        let count = shape.reduce(1, *)
        var rng = SeededRandom(seed: UInt64(count))
        // Zero-mean values plus an offset, so both cancellation and same-sign accumulation occur.
        let x = rng.floats(count, in: -1...1.5)
        let tensor = try r.tensor(x, shape)
        let rows = shape[0]
        let label = "\(shape)"
        let channels = AxisView(outer: shape[0], mid: shape[1], inner: shape.dropFirst(2).reduce(1, *))
        try r.poison(rows, shape[1], 1)
        try expect(r, "perSampleSum", label, try tensor.perSampleSum(), AxisView(outer: 1, mid: rows, inner: count / rows), squared: false, x)
        try expect(r, "channelSum", label, try tensor.channelSum(), channels, squared: false, x)
        try expect(r, "channelSum squared", label, try tensor.channelSum(squared: true), channels, squared: true, x)
        if shape.count == 2 {
            try expect(r, "featureSum", label, try tensor.featureSum(), channels, squared: false, x)
        }
        try expect(r, "sum", label, try tensor.sum(), AxisView(outer: 1, mid: 1, inner: count), squared: false, x)
        let meanAtol = Tolerance.accumulated(terms: count, magnitude: [x.map(Swift.abs).reduce(0, +) / Double(count)])
        try r.close("mean", label, try tensor.mean(), [x.reduce(0, +) / Double(count)], rtol: OpTolerance.reduceRtol, atol: meanAtol)
    }

    private static func normalLogProb(_ r: CheckRecorder, _ rows: Int, _ columns: Int) throws {
        var rng = SeededRandom(seed: UInt64(rows * columns + 7))
        let x = rng.floats(rows * columns, in: -3...3)
        try r.poison(rows)
        let result = try r.tensor(x, [rows, columns]).normalLogProb()
        try r.close(
            "normalLogProb", "[\(rows), \(columns)]", result, Reference.normalLogProb(rows: rows, columns: columns, x: x),
            rtol: OpTolerance.reduceRtol,
            atol: Tolerance.accumulated(terms: columns + 1, magnitude: Reference.normalLogProbMagnitude(rows: rows, columns: columns, x: x)))
    }
}
