/// A fused rational-quadratic spline over `rows` samples of `columns` transformed features each,
/// with `options.parametersPerElement` parameters per feature (see `SplineOptions`). The log-det per
/// sample is `Σ_j log |dy_rj/dx_rj|` forward (0 for an element in the tails) and its negative for
/// the inverse.
public struct SplineSpec: Sendable, Equatable {
    public var rows: Int
    public var columns: Int
    public var options: SplineOptions

    public init(rows: Int, columns: Int, options: SplineOptions) {
        self.rows = rows
        self.columns = columns
        self.options = options
    }

    /// Elements transformed: `rows · columns`.
    @inlinable public var count: Int { rows * columns }
}
