/// The ranks of a data-parallel job and the byte exchanges between them. Only bytes move: any
/// arithmetic on what is exchanged happens in flowkit, in an order fixed by the problem (micro-batch
/// order), never inside the exchange, whose order would depend on the rank count and algorithm.
///
/// Every call is collective: every rank must make the same calls in the same order with the same
/// byte counts (each rank sends `count` bytes and a receiver gets `size · count` bytes, in rank order).
public protocol Communicator: AnyObject, Sendable {
    /// This process's rank, 0..<size.
    var rank: Int { get }
    var size: Int { get }
    /// Waits until every rank has arrived.
    func barrier() throws
    /// `root`'s bytes on every rank (`bytes` has the same count everywhere).
    func broadcast(_ bytes: [UInt8], root: Int) throws -> [UInt8]
    /// Every rank's `bytes` concatenated in rank order at `root`; nil on the other ranks.
    func gather(_ bytes: [UInt8], root: Int) throws -> [UInt8]?
    /// Every rank's `bytes` concatenated in rank order, on every rank.
    func allGather(_ bytes: [UInt8]) throws -> [UInt8]
    /// `bytes` holds `size` equal blocks, block o for rank o; returns the blocks every rank sent
    /// this one, in rank order.
    func allToAll(_ bytes: [UInt8]) throws -> [UInt8]
    /// Ends the whole job at once (every rank), with `code`: a rank that cannot go on must not
    /// leave the others waiting in an exchange.
    func abort(code: Int32) -> Never
    /// Leaves the job cleanly (MPI_Finalize); the communicator is unusable afterwards.
    func finish()
}

extension Communicator {
    /// Rank 0 writes the run's files (checkpoints, metrics, pictures); the others only compute.
    public var isLeader: Bool { rank == 0 }
}
