/// Which micro-batches of a step a rank computes: rank r the contiguous run
/// r·K/N ..< (r+1)·K/N. K must be a multiple of N: every rank then holds the same number of
/// whole micro-batches (the exchange's blocks have equal sizes), and concatenating the ranks'
/// blocks in rank order is micro-batch order 0…K−1, so the owner adds them in that order on
/// any N. With K < N or K not a multiple, some rank would hold a partial or no micro-batch.
public struct MicroBatchAssignment: Equatable, Sendable {
    public let microBatches: Int
    public let ranks: Int

    public init(microBatches: Int, ranks: Int) throws {
        guard ranks >= 1, microBatches >= 1 else {
            throw DistributedError("need at least 1 rank and 1 micro-batch, got \(ranks) ranks and \(microBatches) micro-batches")
        }
        guard microBatches % ranks == 0 else {
            throw DistributedError(
                "train.microBatches (\(microBatches)) must be a multiple of the rank count (\(ranks)): each rank computes "
                    + "microBatches/ranks whole micro-batches, so that their gradients add up in micro-batch order 0…K−1 "
                    + "whatever the rank count (set train.microBatches to a multiple of \(ranks), or run on a rank count that divides \(microBatches))")
        }
        self.microBatches = microBatches
        self.ranks = ranks
    }

    public var perRank: Int { microBatches / ranks }

    /// The micro-batches `rank` computes, in order.
    public func microBatches(of rank: Int) -> Range<Int> { (rank * perRank)..<((rank + 1) * perRank) }
}
