import FlowCore

/// How one matrix product is cut into blocks for the CPU's threads: along the longer of C's two
/// dimensions, into blocks that are multiples of 16 (the width of OpenBLAS's AVX-512 micro-kernel),
/// and not at all when the product is too small for the hand-off to pay.
struct GemmSplit {
    let alongRows: Bool
    let parts: Int
    private let length: Int
    private let blockSize: Int

    /// Below this many multiply-adds per part a product runs on one thread (about 10 µs of work).
    static let minimumWorkPerPart = 1 << 18

    init(_ spec: GemmSpec, cores: Int) {
        alongRows = spec.m >= spec.n
        length = alongRows ? spec.m : spec.n
        let work = spec.m * spec.n * max(spec.k, 1)
        let wanted = min(cores, max(1, work / Self.minimumWorkPerPart), max(1, length / 16))
        // With a batch of products there is parallelism across matrices already.
        let parts = spec.batch >= cores ? 1 : wanted
        let block = (length + parts - 1) / parts
        blockSize = max(16, (block + 15) / 16 * 16)
        self.parts = max(1, min(parts, (length + blockSize - 1) / blockSize))
    }

    /// The rows (or columns) of block `part`.
    func range(_ part: Int) -> Range<Int> {
        let start = min(length, part * blockSize)
        return start..<min(length, start + blockSize)
    }
}
