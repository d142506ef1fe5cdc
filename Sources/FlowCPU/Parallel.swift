import FlowCore

/// Splits work into contiguous chunks for the CPU's threads. Each index is processed by exactly
/// one thread, and the chunks follow from `count` and `grain` alone (`FixedSplit`), never from the
/// thread count: which thread runs a chunk, or how many threads there are, never changes a result.
enum Parallel {
    /// Runs `body` on disjoint ranges covering `0..<count`: at most `FixedSplit.maximumParts`
    /// chunks of at least `grain` units each; a job of fewer than two grains runs inline.
    static func forEachRange(_ count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = min(FixedSplit.maximumParts, max(1, count / max(1, grain)))
        if chunks <= 1 {
            body(0..<count)
            return
        }
        let size = (count + chunks - 1) / chunks
        WorkerPool.shared.run(chunks) { chunk in
            let start = chunk * size
            let end = min(count, start + size)
            if start < end { body(start..<end) }
        }
    }
}
