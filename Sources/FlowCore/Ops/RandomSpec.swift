/// The distributions `Tensor.random` draws from.
public enum RandomDistribution: Int32, Sendable, Equatable {
    /// Uniform on [0, 1), 24 random bits per value.
    case uniform = 0
    /// Standard normal by the Box–Muller transform.
    case normal = 1
}
