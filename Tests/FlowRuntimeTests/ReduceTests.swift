import FlowRuntime
import FlowTestSupport
import Foundation
import Testing

/// A reduction over `n` elements is a float32 sum of `n` terms: each output gets
/// `Tolerance.accumulated(n, Σ|terms|)` (8·ε·√n·Σ|terms|, loose enough for any summation order,
/// far below one dropped or doubled element) plus rtol 1e-6 for the final rounding
/// (`OpTolerance.reduceRtol`, which `ReduceCases` and `NormalLogProbCase` compare with).
@Suite struct ReduceTests {
    /// `ReduceCases.shapes`, every reduction (the comparisons `flowkit check` reports too).
    @Test(arguments: TestDevices.all, ReduceCases.shapes)
    func sumsMatchReference(_ d: TestDevice, shape: [Int]) throws {
        expect(try ReduceCases.sums(on: d, shape: shape), "\(shape)")
    }

    /// `NormalLogProbCase.all` (the comparisons `flowkit check` reports too).
    @Test(arguments: TestDevices.all, NormalLogProbCase.all)
    func normalLogProbMatchesReference(_ d: TestDevice, _ c: NormalLogProbCase) throws {
        expect([try c.run(on: d)], "\(c)")
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
