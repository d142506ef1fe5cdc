/// The bounded positive scale of an affine coupling, as a function of the conditioner's raw
/// output `h`. Bounding the scale keeps early training stable: one coupling can change a feature's
/// scale by at most a fixed factor per step.
public enum CouplingScale: Int32, Sendable, Equatable, CaseIterable {
    /// `s = exp(tanh(h))`, so `log s = tanh h ∈ (−1, 1)`. RealNVP's choice.
    case expTanh = 0
    /// `s = sigmoid(h + 2)`, Glow's choice: `s ∈ (0, 1)`, ≈ 0.88 at h = 0.
    case sigmoidShifted = 1
}

/// Where the shift is applied relative to the scale.
public enum CouplingOrder: Int32, Sendable, Equatable, CaseIterable {
    /// RealNVP: `y = x ⊙ s + t`.
    case scaleThenShift = 0
    /// Glow: `y = (x − t) ⊙ s`.
    case shiftThenScale = 1
}

/// A fused affine coupling over `rows` samples of `columns` transformed features each. The
/// log-det per sample is `Σ_j log s(h_ij)` forward and its negative for the inverse.
public struct CouplingSpec: Sendable, Equatable {
    public var rows: Int
    public var columns: Int
    public var scale: CouplingScale
    public var order: CouplingOrder

    public init(rows: Int, columns: Int, scale: CouplingScale, order: CouplingOrder) {
        self.rows = rows
        self.columns = columns
        self.scale = scale
        self.order = order
    }

    @inlinable package var count: Int { rows * columns }
}
