import Foundation

/// Hyper-parameters of one Adam/AdamW update, in PyTorch's form:
/// `m ← β1 m + (1 − β1) g`, `v ← β2 v + (1 − β2) g²`,
/// `p ← p − lr · (m / (1 − β1ᵗ)) / (sqrt(v / (1 − β2ᵗ)) + ε)`.
/// Weight decay is decoupled (AdamW: `p ← p − lr·λ·p` before the update) or, when `decoupled` is
/// false, classic L2 (`g ← g + λ p`).
public struct AdamHyper: Sendable, Equatable {
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float
    public var decoupled: Bool
    /// 1-based step number, used for the bias corrections.
    public var step: Int

    public init(
        learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
        weightDecay: Float = 0, decoupled: Bool = true, step: Int
    ) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupled = decoupled
        self.step = step
    }

    /// `1 − β1ᵗ` and `1 − β2ᵗ`, computed once on the host in Double so every device uses the same values.
    package var biasCorrections: (Float, Float) {
        let t = Double(step)
        return (Float(1 - pow(Double(beta1), t)), Float(1 - pow(Double(beta2), t)))
    }
}
