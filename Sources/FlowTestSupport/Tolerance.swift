/// Error bounds for float32 results compared with Double references.
///
/// A float32 sum of `n` terms, in any order (sequential, blocked, tree), is off from the exact sum
/// by at most about `n·ε·Σ|terms|` and in practice, with rounding errors that behave like a random
/// walk, by about `ε·sqrt(n)·Σ|terms|` (ε = 2⁻²⁴). `accumulated` allows 8× the practical figure:
/// loose enough for any correct summation order, and still orders of magnitude below the error of a
/// dropped, doubled or misplaced term (about `Σ|terms| / n`).
public enum Tolerance {
    /// Unit roundoff of float32.
    public static let epsilon: Double = 0x1p-24

    /// Absolute tolerance of each output that is a float32 sum of `terms` terms whose magnitudes
    /// add up to `magnitude[i]` (the reference evaluated on absolute values).
    public static func accumulated(terms: Int, magnitude: [Double]) -> [Double] {
        let factor = 8 * epsilon * Double(Swift.max(terms, 1)).squareRoot()
        return magnitude.map { factor * $0 }
    }

    /// Like `accumulated`, when each term also carries a relative error `termError` of its own
    /// (transcendental functions: a few ulps each).
    public static func accumulated(terms: Int, magnitude: [Double], termError: Double) -> [Double] {
        let factor = 8 * epsilon * Double(Swift.max(terms, 1)).squareRoot() + termError
        return magnitude.map { factor * $0 }
    }
}
