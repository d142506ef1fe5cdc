/// An optional capability: a device that runs several products writing disjoint blocks of one C
/// (the tiles of a block-triangular product) as one op, side by side. `Tensor.gemmGroup` checks
/// for it at run time and otherwise runs the products one after another through `gemm`, which is
/// what the op means; a device adopts it only where scheduling them together pays (the CPU, whose
/// few cores would otherwise hand off once per tile).
public protocol GemmGroupCapable: Device {
    /// Called by `Tensor.gemmGroup` with specs it has checked: each fits its buffers, all are
    /// unbatched, share `ldc` and write disjoint blocks of `c`.
    func gemmGroup(
        _ specs: [GemmSpec], a: any DeviceBuffer, b: any DeviceBuffer, c: any DeviceBuffer, bias: (any DeviceBuffer)?)
        throws
}
