/// A fused Flow++ logistic-mixture CDF transformer over `rows` samples of `columns` transformed
/// features each, with `options.parametersPerElement` parameters per feature (see
/// `LogisticMixtureOptions`). The log-det per sample is `Σ_j log dy_rj/dx_rj` forward, summed over
/// `j` in a fixed order, and its negative for the inverse.
public struct LogisticMixtureSpec: Sendable, Equatable {
    public var rows: Int
    public var columns: Int
    public var options: LogisticMixtureOptions

    public init(rows: Int, columns: Int, options: LogisticMixtureOptions) {
        self.rows = rows
        self.columns = columns
        self.options = options
    }

    /// Elements transformed: `rows · columns`.
    @inlinable public var count: Int { rows * columns }
}
