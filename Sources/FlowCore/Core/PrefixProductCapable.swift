/// An optional capability: a device that skips the zero blocks of a prefix-structured product
/// (`PrefixProduct`) with a tiling of its own, chosen from its own tuning. It says how to cut the
/// product into products writing disjoint blocks of C; `Tensor.prefixProduct` and
/// `Tensor.ChainStage.prefix` run them as a group or a row chain, so the tiles compose with the
/// device's other scheduling (the CPU's row chain takes each thread's rows through every tile of
/// every layer). Without it, one dense product is what the op means (the weight is zero outside
/// the prefixes): on a device that runs one large product well, that beats a row of small ones.
public protocol PrefixProductCapable: Device {
    /// The products, on `batch` rows, that together compute `kind` of `product`: each fits the
    /// operands' shapes, all are unbatched, share `ldc` and write disjoint blocks covering every
    /// entry the kind defines (for the weight gradient, every row's prefix).
    func prefixTiles(_ product: PrefixProduct, _ kind: PrefixProduct.Kind, batch: Int) -> [GemmSpec]
}
