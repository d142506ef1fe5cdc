/// The shape of a rational-quadratic spline transformer (Durkan et al. 2019, "Neural Spline
/// Flows", arXiv 1906.04032): `bins` monotone rational-quadratic pieces on `[−bound, bound]` in
/// both directions, identity ("linear tails" with slope 1) outside it.
///
/// Each element carries `3·bins − 1` unnormalised parameters, packed as `bins` width logits,
/// then `bins` height logits, then `bins − 1` interior derivative pre-activations. Widths are
/// `minBinWidth + (1 − minBinWidth·bins)·softmax(·)` of the interval (heights likewise) and
/// interior derivatives `minDerivative + softplus(·)`; the two boundary derivatives are exactly 1
/// so the spline joins the identity tails with a continuous slope. The minimums keep every bin
/// width, height and slope away from zero, which bounds the log-det and keeps the inverse's
/// quadratic well conditioned.
public struct SplineOptions: Sendable, Equatable {
    public var bins: Int
    public var bound: Float
    public var minBinWidth: Float
    public var minBinHeight: Float
    public var minDerivative: Float

    public init(
        bins: Int, bound: Float = 3, minBinWidth: Float = 1e-3, minBinHeight: Float = 1e-3, minDerivative: Float = 1e-3
    ) {
        self.bins = bins
        self.bound = bound
        self.minBinWidth = minBinWidth
        self.minBinHeight = minBinHeight
        self.minDerivative = minDerivative
    }

    /// Unnormalised parameters per transformed element: widths, heights, interior derivatives.
    @inlinable public var parametersPerElement: Int { 3 * bins - 1 }

    /// Throws unless every bin can have its minimum size and every bound is finite and positive.
    func validate(_ op: String) throws {
        func fail(_ detail: String) -> FlowError { FlowError.invalidArgument(op: op, detail: detail) }
        guard bins >= 1 else { throw fail("bins must be at least 1, got \(bins)") }
        guard bound.isFinite, bound > 0 else { throw fail("bound must be finite and positive, got \(bound)") }
        for (name, value) in [("minBinWidth", minBinWidth), ("minBinHeight", minBinHeight)] {
            // The minimums of all bins must leave room for the softmax share: m·K < 1.
            guard value.isFinite, value > 0, value * Float(bins) < 1 else {
                throw fail("\(name) must be positive with \(name)·bins < 1, got \(value) with \(bins) bins")
            }
        }
        guard minDerivative.isFinite, minDerivative > 0 else {
            throw fail("minDerivative must be finite and positive, got \(minDerivative)")
        }
    }
}
