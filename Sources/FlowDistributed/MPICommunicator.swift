import CMPIShim
import Foundation

/// MPI_COMM_WORLD through the C shim (CMPIShim): initialised once per process, only when an MPI
/// launcher started it (`MPILaunch`), so a plain `flowkit train` never touches MPI.
public final class MPICommunicator: Communicator {
    public let rank: Int
    public let size: Int

    public init() throws {
        try Self.call("MPI_Init_thread") { flowkit_mpi_init() }
        var rank: Int32 = 0
        var size: Int32 = 0
        try Self.call("MPI_Comm_rank") { flowkit_mpi_rank(&rank) }
        try Self.call("MPI_Comm_size") { flowkit_mpi_size(&size) }
        (self.rank, self.size) = (Int(rank), Int(size))
    }

    public func barrier() throws { try Self.call("MPI_Barrier") { flowkit_mpi_barrier() } }

    public func broadcast(_ bytes: [UInt8], root: Int) throws -> [UInt8] {
        var buffer = bytes
        let (count, root) = (try Self.count(bytes.count), try checked(root))
        try buffer.withUnsafeMutableBytes { raw in try Self.call("MPI_Bcast") { flowkit_mpi_bcast(raw.baseAddress, count, root) } }
        return buffer
    }

    public func gather(_ bytes: [UInt8], root: Int) throws -> [UInt8]? {
        let (count, rootRank) = (try Self.count(bytes.count), try checked(root))
        var received = [UInt8](repeating: 0, count: rank == root ? try total(bytes.count) : 1)
        try bytes.withUnsafeBytes { sent in
            try received.withUnsafeMutableBytes { into in
                try Self.call("MPI_Gather") { flowkit_mpi_gather(sent.baseAddress, count, into.baseAddress, rootRank) }
            }
        }
        return rank == root ? received : nil
    }

    public func allGather(_ bytes: [UInt8]) throws -> [UInt8] {
        let count = try Self.count(bytes.count)
        var received = [UInt8](repeating: 0, count: try total(bytes.count))
        try bytes.withUnsafeBytes { sent in
            try received.withUnsafeMutableBytes { into in
                try Self.call("MPI_Allgather") { flowkit_mpi_allgather(sent.baseAddress, count, into.baseAddress) }
            }
        }
        return received
    }

    public func allToAll(_ bytes: [UInt8]) throws -> [UInt8] {
        guard bytes.count % size == 0 else {
            throw DistributedError("all-to-all of \(bytes.count) bytes: not \(size) equal blocks")
        }
        let count = try Self.count(bytes.count / size)
        var received = [UInt8](repeating: 0, count: bytes.count)
        try bytes.withUnsafeBytes { sent in
            try received.withUnsafeMutableBytes { into in
                try Self.call("MPI_Alltoall") { flowkit_mpi_alltoall(sent.baseAddress, count, into.baseAddress) }
            }
        }
        return received
    }

    public func abort(code: Int32) -> Never {
        _ = flowkit_mpi_abort(code)
        // MPI_Abort does not return; should it, the process must still not go on.
        exit(code)
    }

    public func finish() { _ = flowkit_mpi_finalize() }

    private func checked(_ root: Int) throws -> Int32 {
        guard (0..<size).contains(root) else { throw DistributedError("root rank \(root) does not exist in a job of \(size) ranks") }
        return Int32(root)
    }

    /// The bytes a receiver of every rank's `count` gets, refused where MPI's int counts end.
    private func total(_ count: Int) throws -> Int {
        let (product, overflow) = count.multipliedReportingOverflow(by: size)
        guard !overflow else { throw DistributedError("\(size) × \(count) bytes overflow") }
        _ = try Self.count(product)
        return max(product, 1)
    }

    /// MPI counts are C ints.
    static func count(_ bytes: Int) throws -> Int32 {
        guard let count = Int32(exactly: bytes) else {
            throw DistributedError("an exchange of \(bytes) bytes is beyond MPI's count limit (\(Int32.max)); use more micro-batches or ranks")
        }
        return count
    }

    static func call(_ name: String, _ body: () -> Int32) throws {
        let code = body()
        guard code != 0 else { return }
        var text = [CChar](repeating: 0, count: 512)
        flowkit_mpi_error_text(code, &text, Int32(text.count))
        throw DistributedError("\(name) failed: \(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)) (code \(code))")
    }
}
