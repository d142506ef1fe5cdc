import FlowRuntime
import FlowTestSupport

/// Spline test data: one `SplineOptions` and random inputs / parameters drawn from a seed.
struct SplineCase: Sendable, CustomStringConvertible {
    var options: SplineOptions
    var description: String { "K=\(options.bins), B=\(options.bound)" }

    /// K = 1 (a single bin: the identity inside, still through every formula), 2, 5 and 8.
    static let standard: [SplineCase] = [1, 2, 5, 8].map { SplineCase(options: SplineOptions(bins: $0, bound: 2.5)) }

    var per: Int { options.parametersPerElement }

    /// Inputs over `[−1.2B, 1.2B]` (about a sixth in the tails) and logits in [−2, 2], where bins
    /// differ in size by up to e⁴ and slopes range over ~[0.1, 2].
    func data(_ count: Int, seed: UInt64, span: Double = 1.2) -> (x: [Double], parameters: [Double]) {
        var rng = SeededRandom(seed: seed)
        let bound = Double(options.bound)
        return (rng.floats(count, in: -span * bound...span * bound), rng.floats(count * per, in: -2...2))
    }

    func spec(_ shape: [Int]) -> SplineSpec {
        SplineSpec(rows: shape[0], columns: shape.reduce(1, *) / shape[0], options: options)
    }
}
