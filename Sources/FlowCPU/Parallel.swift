import FlowCore
import Foundation

/// Splits work over the CPU's cores. Chunks are contiguous and each index is processed by exactly
/// one thread, so results never depend on scheduling: reductions stay deterministic because every
/// output is summed sequentially by the one thread that owns it.
enum Parallel {
    static let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Runs `body` on disjoint ranges covering `0..<count`; small jobs (fewer than `grain`
    /// units per core) run inline to avoid the hand-off.
    static func forEachRange(_ count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = min(cores * 4, max(1, count / max(1, grain)))
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
