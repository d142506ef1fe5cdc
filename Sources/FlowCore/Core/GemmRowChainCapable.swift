/// An optional capability: a device that runs a chain of products separable by rows (the layers
/// of an MLP on a batch) a block of rows at a time through every stage, with no hand-off between
/// stages. `Tensor.gemmRowChain` checks for it at run time and otherwise runs the stages one after
/// another, which is what the op means; a device adopts it only where that pays (the CPU, where
/// each hand-off costs as much as a small product and a block of rows stays in one core's cache).
public protocol GemmRowChainCapable: Device {
    /// Called by `Tensor.gemmRowChain` with stages it has checked (see there): every product reads
    /// its A untransposed with `m == rows`, and no stage reads any stage's C as B, bias or gate.
    func gemmRowChain(rows: Int, stages: [Tensor.ChainStage]) throws
}
