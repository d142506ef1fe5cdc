import FlowRuntime

/// The first transform of an image model: integer data `v ∈ {0, …, L−1}^D` plus noise `u ∈ [0, 1)^D`
/// drawn at every forward pass, scaled into the flow's range (`UniformDequantization`,
/// `VariationalDequantization`). Its log-det makes `−flow.logProb(v)` a one-sample estimate of an
/// upper bound on the discrete NLL; `inverse` returns the continuous `v + u` and `quantize` rounds
/// it back to the levels. Evaluation swaps `noise` for a fixed stream, so it is reproducible, and
/// keeps the documented single draw per example (`defaultImportanceSamples` 1).
///
/// Support: the levels' range `[0, L − 1]`. A value outside it is not a level the discrete data
/// can take, so its probability is 0: evaluation answers −inf (`SupportRestricted`,
/// `Flow.dataInSupport`) rather than the density of a dequantized value outside `[0, 1)` (or
/// the centred `[−0.5, 0.5)`), and a logit after it turns such a value into NaN, which `Flow.logProb`'s
/// range rule settles at −inf.
public protocol Dequantizer: StochasticTransform, QuantizingTransform, SupportRestricted, AnyObject {
    var levels: Int { get }
}

extension Dequantizer {
    public var defaultImportanceSamples: Int { 1 }

    /// Every value within `[0, L − 1]`.
    public func inSupport(_ x: Tensor) throws -> [Bool] {
        let top = Float(levels - 1)
        return try x.rowsSatisfying { $0 >= 0 && $0 <= top }
    }

    /// `v = clamp(⌊y⌋, 0, L − 1)` for `y` from `inverse` (sampled data). The runtime has no floor
    /// op, so this is a host round trip: meant for finished samples, not for training.
    public func quantize(_ y: Tensor) throws -> Tensor {
        let top = Float(levels - 1)
        return try Tensor(y.toArray().map { min(max($0.rounded(.down), 0), top) }, shape: y.shape, on: y.device)
    }
}
