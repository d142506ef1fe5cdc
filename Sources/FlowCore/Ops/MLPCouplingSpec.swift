/// An affine coupling on `[rows, columns.features]` vectors whose conditioner is an MLP
/// (`Tensor.mlpAffineCoupling`): the MLP reads the kept columns (then `contextFeatures` context
/// values), has hidden layers of `widths.dropLast()` units with ReLU, and outputs
/// `widths.last == 2 · columns.transformed` values per row, the shift and the raw scale of each
/// transformed column (`shiftFirst`: shifts first), which drive `CouplingSpec`'s coupling.
public struct MLPCouplingSpec: Sendable {
    public var rows: Int
    public var columns: CouplingColumns
    public var contextFeatures: Int
    /// The output width of each layer, the last being the conditioner's output.
    public var widths: [Int]
    public var scale: CouplingScale
    public var order: CouplingOrder
    public var shiftFirst: Bool

    public init(
        rows: Int, columns: CouplingColumns, contextFeatures: Int, widths: [Int], scale: CouplingScale,
        order: CouplingOrder, shiftFirst: Bool
    ) {
        self.rows = rows
        self.columns = columns
        self.contextFeatures = contextFeatures
        self.widths = widths
        self.scale = scale
        self.order = order
        self.shiftFirst = shiftFirst
    }

    /// The MLP's input width: the kept columns, then the context.
    public var conditionerInputs: Int { columns.kept + contextFeatures }
    /// The input width of layer `index`.
    public func inputs(ofLayer index: Int) -> Int { index == 0 ? conditionerInputs : widths[index - 1] }
    /// Where the shift and the raw scale of transformed column `j` sit in a conditioner output row.
    public func parameterColumns(_ j: Int) -> (shift: Int, rawScale: Int) {
        shiftFirst ? (j, columns.transformed + j) : (columns.transformed + j, j)
    }
}
