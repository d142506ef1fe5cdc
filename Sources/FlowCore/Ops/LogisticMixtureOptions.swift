import Foundation

/// The shape of the Flow++ logistic-mixture CDF transformer (Ho et al. 2019, "Flow++",
/// arXiv 1902.00275, §3.1): per element, with `K = components` logistic components,
///
///     F(x) = Σ_k softmax(π)_k · σ((x − μ_k)·exp(−s_k))
///     y    = σ⁻¹(F(x))·exp(a) + b
///
/// Each element carries `3K + 2` parameters, packed as `K` mixture logits `π`, then `K` means `μ`,
/// then `K` log-scales `s`, then the affine log-scale `â` and shift `b`. Log-scales are clamped
/// below at `minLogScale` (its gradient is zero below the clamp): a component narrower than
/// `exp(minLogScale)` would make the log-det, and the inverse's conditioning, arbitrarily bad.
/// The affine log-scale is bounded softly, `a = A·tanh(â/A)` with `A = maxAffineLogScale`: an
/// unbounded `â` lets one large conditioner output overflow `exp(a)` (forward) or `exp(−a)`
/// (inverse) to infinity and poison a training step. Near zero the bound is the identity to
/// second order (at `â = 1`, `a` = 0.987 with `A = 5`), so it only acts on outliers; like
/// RealNVP's `tanh` on its log-scales, it caps each coupling's scale at `e^A` either way.
///
/// The inverse has no closed form for `K > 1`; it bisects `σ⁻¹(F(x)) = (y − b)·exp(−a)` for a
/// fixed `inverseIterations` steps (stopping earlier only once the float bracket cannot shrink).
public struct LogisticMixtureOptions: Sendable, Equatable {
    public var components: Int
    public var minLogScale: Float
    public var inverseIterations: Int
    public var maxAffineLogScale: Float

    public init(components: Int, minLogScale: Float = -7, inverseIterations: Int = 60, maxAffineLogScale: Float = 5) {
        self.components = components
        self.minLogScale = minLogScale
        self.inverseIterations = inverseIterations
        self.maxAffineLogScale = maxAffineLogScale
    }

    /// The affine log-scale `a = A·tanh(â/A)` that the op applies for the raw parameter `â`.
    public func affineLogScale(_ raw: Float) -> Float {
        maxAffineLogScale * Foundation.tanh(raw / maxAffineLogScale)
    }

    /// Parameters per transformed element: logits, means, log-scales, a, b.
    @inlinable public var parametersPerElement: Int { 3 * components + 2 }

    /// Throws unless there is a component, the clamp is finite and the iteration count is bounded.
    func validate(_ op: String) throws {
        func fail(_ detail: String) -> FlowError { FlowError.invalidArgument(op: op, detail: detail) }
        guard components >= 1 else { throw fail("components must be at least 1, got \(components)") }
        guard minLogScale.isFinite else { throw fail("minLogScale must be finite, got \(minLogScale)") }
        guard maxAffineLogScale.isFinite, maxAffineLogScale > 0 else {
            throw fail("maxAffineLogScale must be finite and positive, got \(maxAffineLogScale)")
        }
        // 200 halvings take any float bracket below one ulp; more would only cost time.
        guard (1...200).contains(inverseIterations) else {
            throw fail("inverseIterations must be in 1...200, got \(inverseIterations)")
        }
    }
}
