import Foundation
import FlowRuntime
import FlowTestSupport

/// Logistic-mixture test data: one `LogisticMixtureOptions` and random inputs / parameters drawn
/// from a seed, with the tolerances that follow from float rounding of the op's log-domain terms.
struct LogisticMixtureCase: Sendable, CustomStringConvertible {
    var options: LogisticMixtureOptions
    var description: String { "K=\(options.components)" }

    /// K = 1 (closed-form inverse: the bracket is a point), 2 and 5.
    static let standard: [LogisticMixtureCase] = [1, 2, 5].map {
        LogisticMixtureCase(options: LogisticMixtureOptions(components: $0))
    }

    var per: Int { options.parametersPerElement }
    var k: Int { options.components }

    /// Inputs in [−4, 4]; per element logits and means in [−2, 2], log-scales in [−1.5, 1] (so
    /// components range from narrow to wide and |z| reaches ~25), a and b in [−1, 1].
    func data(_ count: Int, seed: UInt64) -> (x: [Double], parameters: [Double]) {
        var rng = SeededRandom(seed: seed)
        let x = rng.floats(count, in: -4...4)
        let parameters = (0..<count).flatMap { _ in
            rng.floats(k, in: -2...2) + rng.floats(k, in: -2...2) + rng.floats(k, in: -1.5...1) + rng.floats(2, in: -1...1)
        }
        return (x, parameters)
    }

    func spec(_ shape: [Int]) -> LogisticMixtureSpec {
        LogisticMixtureSpec(rows: shape[0], columns: shape.reduce(1, *) / shape[0], options: options)
    }

    func slice(_ parameters: [Double], _ i: Int) -> ArraySlice<Double> { parameters[i * per..<(i + 1) * per] }
}

/// Relative error allowed per log-domain quantity: 2e-6 ≈ 33 float ulps. Each of log F, log(1 − F)
/// and log F′ is a log-sum-exp of a few terms built from `z = (x − μ)·exp(−s)` (exp ≤ 3 ulps in
/// OpenCL, a few roundings after), so each is off by a few ulps of the magnitudes involved; a wrong
/// formula or component is off by O(1) relative (`OpTolerance.mixtureRelative`).
///
/// Per-element error allowed in y: the relative error of `log F − log(1 − F)` (whose magnitude
/// is at most `|log F| + |log(1 − F)|`) scaled by `e^a`, plus y's own rounding.
func mixtureOutputTolerance(_ c: LogisticMixtureCase, x: [Double], parameters: [Double]) -> [Double] {
    OpTolerance.mixtureOutput(c.options, x: x, parameters: parameters)
}

/// Per-row error allowed in a log-det: each term `log F′ − log F − log(1 − F) + a` is off by the
/// relative error of its parts' magnitudes, and the float sum over columns adds `Tolerance.accumulated`.
func mixtureLogDetTolerance(_ c: LogisticMixtureCase, _ spec: LogisticMixtureSpec, x: [Double], parameters: [Double])
    -> [Double]
{
    OpTolerance.mixtureLogDet(spec, x: x, parameters: parameters)
}

/// Per-element error allowed in an inverse's x: an error in the y domain (y's own rounding on
/// upload and the float comparison `σ⁻¹F(x) < u` near the root, as in `mixtureOutputTolerance`)
/// moves x by that error over the slope dy/dx; plus x's own rounding (bisection stops at one ulp).
func mixtureInverseTolerance(_ c: LogisticMixtureCase, x: [Double], parameters: [Double]) -> [Double] {
    OpTolerance.mixtureInverse(c.options, x: x, parameters: parameters)
}
