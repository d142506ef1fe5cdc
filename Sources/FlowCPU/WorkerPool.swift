import FlowCore
import Foundation
import Synchronization

/// The CPU backend's one thread pool: the calling thread plus `threads − 1` workers that spin for a
/// short while after each job and then sleep.
///
/// Why not Dispatch plus OpenBLAS's own threads: a training step of a small flow is hundreds of
/// ops of tens of microseconds each. OpenBLAS's idle workers spin in `sched_yield` between its
/// products while Dispatch's threads run the elementwise loops, so the two pools fight over the
/// cores (a third of a 2-D RealNVP's time went to the scheduler), and waking a sleeping Dispatch thread costs
/// about as much as a small op. Here OpenBLAS runs single-threaded inside our chunks, and one set
/// of threads serves every op.
///
/// A job is `count` chunks claimed one at a time through a single atomic ticket, so the caller
/// never waits for a worker to wake: it runs whatever chunks nobody has claimed yet. Which thread
/// runs a chunk never changes its result, so results stay deterministic.
///
/// The caller claims chunks from the front and the workers from the back. Ops cut their work the
/// same way (a product's first rows, an elementwise op's first elements come first), so on two
/// cores the caller keeps working on the first half of the batch and the worker on the second,
/// op after op, and activations stay in the cache of the core that wrote them. With chunks
/// handed out in arrival order they wandered between the cores (measured: a 5 µs epilogue over a
/// product's output took 24 µs when its blocks changed cores between calls).
final class WorkerPool: @unchecked Sendable {
    /// Started on first use with the thread count set then (`CPUThreads`).
    static let shared = WorkerPool(workers: CPUThreads.start() - 1)

    /// `generation << 32 | front << 16 | back`: which job is current and its unclaimed chunks
    /// `front..<back`. A claim is a compare-exchange on the whole word, so a worker that is late
    /// for one job can never claim a chunk of the next.
    private let ticket = Atomic<Int>(0)
    private let completed = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    /// Held by the thread whose job is running; a second caller (another thread, or a nested
    /// call from inside a chunk) runs its chunks inline instead of waiting.
    private let owned = Atomic<Bool>(false)
    private let wake = NSCondition()
    private let workerCount: Int
    /// Written only by the owner before it publishes the ticket and cleared after every chunk
    /// completed; workers read it only after claiming a chunk (acquire), so accesses never overlap.
    nonisolated(unsafe) private var job: ((Int) -> Void)?
    nonisolated(unsafe) private var generation = 0
    nonisolated(unsafe) private var started = false

    /// Iterations of the idle spin (one atomic load each) before a worker sleeps: a fraction of a
    /// millisecond, longer than the gaps between the ops of a training step (20,000 was too short:
    /// the worker slept and woke between ops) and short enough not to burn a core when idle.
    private static let spinLimit = 400_000
    private static let maxChunks = 0xFFFF

    init(workers: Int) {
        workerCount = max(0, workers)
    }

    /// Runs `body(0..<count)`, each index exactly once, on the pool; returns when all are done.
    func run(_ count: Int, _ body: (Int) -> Void) {
        guard count > 1, workerCount > 0, count <= Self.maxChunks,
            owned.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
        else {
            for index in 0..<count { body(index) }
            return
        }
        if !started { startWorkers() }
        withoutActuallyEscaping(body) { body in
            job = body
            completed.store(0, ordering: .relaxed)
            generation = (generation + 1) & 0x7FFF_FFFF
            let gen = generation
            ticket.store(gen << 32 | count, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                wake.lock()
                wake.broadcast()
                wake.unlock()
            }
            claimChunks(of: gen, fromFront: true)
            while completed.load(ordering: .acquiring) < count {}
            job = nil
        }
        owned.store(false, ordering: .releasing)
    }

    /// Claims and runs chunks of job `gen`, from the front (the caller) or the back (workers),
    /// until none is left.
    private func claimChunks(of gen: Int, fromFront: Bool) {
        var current = ticket.load(ordering: .acquiring)
        while current >> 32 == gen {
            let front = (current >> 16) & 0xFFFF
            let back = current & 0xFFFF
            guard front < back else { return }
            let (chunk, desired) = fromFront ? (front, current + (1 << 16)) : (back - 1, current - 1)
            let (exchanged, original) = ticket.compareExchange(
                expected: current, desired: desired, ordering: .acquiringAndReleasing)
            if exchanged {
                job?(chunk)
                completed.add(1, ordering: .releasing)
                current = ticket.load(ordering: .acquiring)
            } else {
                current = original
            }
        }
    }

    private func startWorkers() {
        started = true
        for index in 0..<workerCount {
            let thread = Thread { [self] in workerLoop() }
            thread.name = "flowkit-cpu-\(index + 1)"
            thread.stackSize = 1 << 22
            thread.start()
        }
    }

    private func workerLoop() {
        var seen = ticket.load(ordering: .acquiring) >> 32
        var spins = 0
        while true {
            let gen = ticket.load(ordering: .acquiring) >> 32
            if gen != seen {
                seen = gen
                claimChunks(of: gen, fromFront: false)
                spins = 0
                continue
            }
            spins += 1
            if spins < Self.spinLimit { continue }
            wake.lock()
            sleepers.add(1, ordering: .sequentiallyConsistent)
            while ticket.load(ordering: .sequentiallyConsistent) >> 32 == seen { wake.wait() }
            sleepers.subtract(1, ordering: .sequentiallyConsistent)
            wake.unlock()
            spins = 0
        }
    }
}
