import FlowDistributed

/// The ranks' byte exchanges over NCCL (GPU to GPU, NVLink or the network NCCL picks), with the
/// job's MPI communicator as the bootstrap: rank 0's unique id reaches the others over MPI, and
/// MPI keeps the barrier, the abort and the end of the job. Only bytes move (`ncclUint8`, no
/// NCCL reduction), so `GradientExchange`'s in-order sum, and with it every bit of training, is
/// the same over NCCL as over MPI.
///
/// Each call stages the bytes through device memory on the staging's stream and waits for it:
/// the exchange is a small part of a step (see docs/distributed.md), and this keeps the
/// communicator a plain `Communicator`.
public final class NCCLCommunicator: Communicator {
    public let rank: Int
    public let size: Int
    private let bootstrap: any Communicator
    private let library: NCCLLibrary
    private let staging: any ExchangeStaging
    /// The `ncclComm_t`, as a bit pattern.
    private let comm: UInt

    public init(bootstrap: any Communicator, library: NCCLLibrary, staging: any ExchangeStaging) throws {
        (rank, size) = (bootstrap.rank, bootstrap.size)
        (self.bootstrap, self.library, self.staging) = (bootstrap, library, staging)
        let mine = bootstrap.isLeader ? try library.uniqueId() : [UInt8](repeating: 0, count: 128)
        let id = try bootstrap.broadcast(mine, root: 0)
        try staging.makeCurrent()
        comm = UInt(bitPattern: Int(bitPattern: try library.initRank(ranks: size, id: id, rank: rank)))
    }

    private var handle: OpaquePointer? { OpaquePointer(bitPattern: comm) }
    private var stream: OpaquePointer? { OpaquePointer(bitPattern: staging.stream) }

    public func barrier() throws { try bootstrap.barrier() }

    public func broadcast(_ bytes: [UInt8], root: Int) throws -> [UInt8] {
        guard (0..<size).contains(root), let root32 = Int32(exactly: root) else { throw DistributedError("broadcast from rank \(root) of \(size)") }
        return try staged(send: bytes, receive: bytes.count) { send, receive in
            try library.check(library.api.broadcast(send, receive, bytes.count, NCCLFunctions.bytes, root32, handle, stream), "ncclBroadcast")
        }
    }

    public func gather(_ bytes: [UInt8], root: Int) throws -> [UInt8]? {
        guard (0..<size).contains(root) else { throw DistributedError("gather at rank \(root) of \(size)") }
        let all = try allGather(bytes)
        return rank == root ? all : nil
    }

    public func allGather(_ bytes: [UInt8]) throws -> [UInt8] {
        let (total, overflow) = bytes.count.multipliedReportingOverflow(by: size)
        guard !overflow else { throw DistributedError("all-gather of \(bytes.count) bytes from \(size) ranks overflows") }
        return try staged(send: bytes, receive: total) { send, receive in
            try library.check(library.api.allGather(send, receive, bytes.count, NCCLFunctions.bytes, handle, stream), "ncclAllGather")
        }
    }

    public func allToAll(_ bytes: [UInt8]) throws -> [UInt8] {
        guard bytes.count % size == 0 else { throw DistributedError("all-to-all of \(bytes.count) bytes is not \(size) equal blocks") }
        let block = bytes.count / size
        return try staged(send: bytes, receive: bytes.count) { send, receive in
            // One group: every send and receive is posted before NCCL starts any, so no pair waits on another.
            try library.check(library.api.groupStart(), "ncclGroupStart")
            var failure: NCCLError?
            for peer in 0..<size {
                let peer32 = Int32(peer)
                let offset = peer * block
                let sent = library.api.send(send.map { $0 + offset }, block, NCCLFunctions.bytes, peer32, handle, stream)
                let received = library.api.recv(receive.map { $0 + offset }, block, NCCLFunctions.bytes, peer32, handle, stream)
                if failure == nil, sent != 0 { failure = NCCLError(function: "ncclSend", code: sent, message: library.message(sent)) }
                if failure == nil, received != 0 { failure = NCCLError(function: "ncclRecv", code: received, message: library.message(received)) }
            }
            // The group is closed whatever happened inside it.
            try library.check(library.api.groupEnd(), "ncclGroupEnd")
            if let failure { throw failure }
        }
    }

    public func abort(code: Int32) -> Never { bootstrap.abort(code: code) }

    public func finish() {
        _ = library.api.commDestroy(handle)
        bootstrap.finish()
    }

    /// `body(send, receive)` on device copies of `send` and a `receive`-byte buffer, then the
    /// received bytes back on the host.
    private func staged(
        send bytes: [UInt8], receive count: Int, _ body: (UnsafeRawPointer?, UnsafeMutableRawPointer?) throws -> Void
    ) throws -> [UInt8] {
        guard let sendAddress = staging.allocate(bytes: max(1, bytes.count)) else { throw DistributedError("no device memory for \(bytes.count) bytes") }
        defer { staging.free(sendAddress) }
        guard let receiveAddress = staging.allocate(bytes: max(1, count)) else { throw DistributedError("no device memory for \(count) bytes") }
        defer { staging.free(receiveAddress) }
        try bytes.withUnsafeBytes { try staging.write($0, to: sendAddress) }
        try staging.makeCurrent()
        try body(UnsafeRawPointer(bitPattern: sendAddress), UnsafeMutableRawPointer(bitPattern: receiveAddress))
        try staging.synchronize()
        var received = [UInt8](repeating: 0, count: count)
        try received.withUnsafeMutableBytes { try staging.read(receiveAddress, into: $0) }
        return received
    }
}
