import FlowCore

/// The CPU skips the zero blocks of prefix-structured products (`PrefixProductCapable`) with
/// tiles cut by `CPUPrefixTiling`; its group and row-chain scheduling then runs the tiles side by
/// side, so skipping the upper triangle (almost half of a MADE's work) costs no hand-offs.
extension CPUDevice: PrefixProductCapable {
    public func prefixTiles(_ product: PrefixProduct, _ kind: PrefixProduct.Kind, batch: Int) -> [GemmSpec] {
        if kind == .inputGradient {
            return CPUPrefixTiling.cut(product.inputs).map { product.columnBlockSpec(batch: batch, columns: $0) }
        }
        return CPUPrefixTiling.cut(product.outputs).map { product.rowBlockSpec(kind, batch: batch, rows: $0) }
    }
}
