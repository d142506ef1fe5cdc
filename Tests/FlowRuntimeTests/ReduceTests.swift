import Foundation
import FlowRuntime
import FlowTestSupport
import Testing

/// A reduction over `n` elements is a float32 sum of `n` terms: each output gets
/// `Tolerance.accumulated(n, Σ|terms|)` (8·ε·√n·Σ|terms|, loose enough for any summation order,
/// far below one dropped or doubled element) plus rtol 1e-6 for the final rounding.
private let reduceRtol = OpTolerance.reduceRtol

/// Shapes with awkward sizes; 257 and larger only here, where the ops are cheap.
private let reduceShapes: [[Int]] = [
    [1, 1], [3, 7], [17, 33], [257, 3], [7, 257], [2, 3, 5, 7], [33, 17, 3, 3], [4, 5, 1, 257], [1000, 65],
]

/// Zero-mean values plus an offset, so both cancellation and same-sign accumulation occur.
private func reduceData(_ count: Int, seed: UInt64) -> [Double] {
    var rng = SeededRandom(seed: seed)
    return rng.floats(count, in: -1...1.5)
}

/// Checks `reduceSum` over `view` (through whichever Tensor op produced `actual`).
private func expectReduction(
    _ actual: Tensor, _ view: AxisView, squared: Bool, _ x: [Double], _ label: String
) throws {
    let expected = Reference.reduceSum(view, squared: squared, x: x)
    let magnitude = Reference.reduceSum(view, squared: squared, x: x.map(abs))
    #expect(actual.shape == [view.mid])
    try expectClose(
        actual, expected, rtol: reduceRtol,
        atol: Tolerance.accumulated(terms: view.outer * view.inner, magnitude: magnitude), label)
}

@Suite struct ReduceTests {
    @Test(arguments: TestDevices.all, reduceShapes)
    func sumsMatchReference(_ d: TestDevice, shape: [Int]) throws {
        let count = shape.reduce(1, *)
        let x = reduceData(count, seed: UInt64(count))
        let tensor = try d.tensor(x, shape)
        let rows = shape[0]
        try d.poisonCache(rows, shape[1], 1)
        try expectReduction(
            try tensor.perSampleSum(), AxisView(outer: 1, mid: rows, inner: count / rows), squared: false, x,
            "perSampleSum \(shape)")
        for squared in [false, true] {
            try expectReduction(
                try tensor.channelSum(squared: squared), channelView(shape), squared: squared, x,
                "channelSum \(shape) squared \(squared)")
        }
        if shape.count == 2 {
            try expectReduction(try tensor.featureSum(), channelView(shape), squared: false, x, "featureSum \(shape)")
        }
        let total = try tensor.sum()
        try expectReduction(total, AxisView(outer: 1, mid: 1, inner: count), squared: false, x, "sum \(shape)")
        let mean = try tensor.mean()
        let expectedMean = Reference.reduceSum(AxisView(outer: 1, mid: 1, inner: count), squared: false, x: x)[0] / Double(count)
        let meanAtol = Tolerance.accumulated(terms: count, magnitude: [x.map(abs).reduce(0, +) / Double(count)])
        try expectClose(mean, [expectedMean], rtol: reduceRtol, atol: meanAtol, "mean \(shape)")
    }

    @Test(arguments: TestDevices.all, reduceShapes)
    func normalLogProbMatchesReference(_ d: TestDevice, shape: [Int]) throws {
        let count = shape.reduce(1, *)
        var rng = SeededRandom(seed: 61)
        let x = rng.normals(count)
        let (rows, columns) = (shape[0], count / shape[0])
        let result = try d.tensor(x, shape).normalLogProb()
        #expect(result.shape == [rows])
        try expectClose(
            result, Reference.normalLogProb(rows: rows, columns: columns, x: x), rtol: reduceRtol,
            atol: Tolerance.accumulated(
                terms: columns + 1, magnitude: Reference.normalLogProbMagnitude(rows: rows, columns: columns, x: x)),
            "normalLogProb \(shape)")
    }

    /// Sums of exactly representable values whose partial sums stay exact must be exact, whatever
    /// the summation order: catches dropped or doubled elements independent of tolerances.
    @Test(arguments: TestDevices.all)
    func exactIntegerSums(_ d: TestDevice) throws {
        for shape in [[3, 100003], [1, 1], [7, 257], [2, 33, 3, 5]] {
            let count = shape.reduce(1, *)
            let x = (0..<count).map { Double($0 % 7) - 3 }
            let tensor = try d.tensor(x, shape)
            try expectClose(
                try tensor.perSampleSum(),
                Reference.reduceSum(AxisView(outer: 1, mid: shape[0], inner: count / shape[0]), squared: false, x: x),
                rtol: 0, atol: 0, "exact perSampleSum \(shape)")
            try expectClose(
                try tensor.channelSum(squared: true), Reference.reduceSum(channelView(shape), squared: true, x: x),
                rtol: 0, atol: 0, "exact squared channelSum \(shape)")
        }
    }
}
