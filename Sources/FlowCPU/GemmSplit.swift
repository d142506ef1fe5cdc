import FlowCore

/// How one matrix product is cut into blocks for the CPU's threads: along the longer of C's two
/// dimensions, into blocks that are multiples of 16 (the width of OpenBLAS's AVX-512 micro-kernel),
/// and not at all when the product is too small for the hand-off to pay. The cut follows from the
/// product's shape alone (`FixedSplit`), so every block is the same OpenBLAS call on any thread count.
struct GemmSplit {
    let alongRows: Bool
    let parts: Int
    private let length: Int
    private let blockSize: Int

    init(_ spec: GemmSpec) {
        alongRows = spec.m >= spec.n
        length = alongRows ? spec.m : spec.n
        let work = spec.m * spec.n * max(spec.k, 1)
        // A batch of products shares the parts out across its matrices already.
        let wanted = FixedSplit.parts(work: work, length: length, minimumLength: Self.minimumBlockLength) / max(1, spec.batch)
        let parts = FixedSplit.powerOfTwo(atMost: wanted)
        let block = (length + parts - 1) / parts
        blockSize = max(16, (block + 15) / 16 * 16)
        self.parts = max(1, min(parts, (length + blockSize - 1) / blockSize))
    }

    /// The fewest rows (or columns) of a block: each block is one OpenBLAS call, which packs the
    /// whole of the other operand again, so thin blocks cost more packing than they save.
    static let minimumBlockLength = 64

    /// The rows (or columns) of block `part`.
    func range(_ part: Int) -> Range<Int> {
        let start = min(length, part * blockSize)
        return start..<min(length, start + blockSize)
    }

    /// Row blocks of a chain of products over `rows` rows that each thread takes through every
    /// stage (`gemmRowChain`, the fused MLP coupling): `work` multiply-adds in all. The fused
    /// coupling also sums its weight gradients over each block, so blocks are at least
    /// `minimumChainRows` long and at most `FixedSplit.maximumReductionParts` many.
    static func chainParts(work: Int, rows: Int) -> (parts: Int, size: Int) {
        let parts = FixedSplit.parts(work: work, length: rows, minimumLength: minimumChainRows, maximum: FixedSplit.maximumReductionParts)
        return (parts, max(1, (rows + parts - 1) / parts))
    }

    static let minimumChainRows = 128
}
