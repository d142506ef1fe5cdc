/// How the CPU backend cuts an op's work into parts for its threads: from the problem's shape
/// alone, never from the thread count, so every thread count computes the same bits. The threads
/// only decide who runs which part (`WorkerPool`).
///
/// Two reasons the parts must not follow the threads. A reduction cut into parts (a weight
/// gradient summed over the batch) rounds differently for every cut. And even a product cut into
/// blocks of output rows is not safe: OpenBLAS picks its kernel and blocking by the size of each
/// call (on SkylakeX-class kernels small products take a separate small-matrix kernel), so one
/// output element can round differently inside a block of another size.
///
/// Part counts are powers of two: on 2, 4, 8… threads equal parts then divide evenly (the pool's
/// caller takes parts from the front and the workers from the back).
enum FixedSplit {
    /// Below this many multiply-adds per part an extra part costs more than it saves (about 10 µs).
    static let minimumWorkPerPart = 1 << 18
    /// The most parts one product, chain or elementwise op is cut into: as many threads as can
    /// share one op. A tradeoff: more parts cost a little on few cores (each part is a call).
    static let maximumParts = 64
    /// The most parts a reduction is cut into: each part beyond the first costs a partial result
    /// (a copy of the weight gradient) to write and add.
    static let maximumReductionParts = 16

    /// The largest power of two at most `limit` (1 for a limit below 2).
    static func powerOfTwo(atMost limit: Int) -> Int {
        guard limit > 1 else { return 1 }
        return 1 << (Int.bitWidth - 1 - limit.leadingZeroBitCount)
    }

    /// Parts for `work` multiply-adds over `length` rows (or columns) that may be cut anywhere in
    /// steps of `minimumLength`: at least `minimumWorkPerPart` work and `minimumLength` rows each,
    /// at most `maximum` parts.
    static func parts(work: Int, length: Int, minimumLength: Int, maximum: Int = maximumParts) -> Int {
        powerOfTwo(atMost: min(maximum, work / minimumWorkPerPart, length / max(1, minimumLength)))
    }
}
