/// Gradients of the fused logistic-mixture transformer: `parameters` is packed like the
/// parameters (`[…, 3K + 2]`: logits, means, log-scales, a, b); log-scale gradients are zero where
/// the log-scale is below the clamp.
public struct LogisticMixtureGradients: Sendable {
    public var input: Tensor
    public var parameters: Tensor
}
