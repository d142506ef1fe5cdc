/// The exact exchange of a data-parallel step. Each rank holds one vector per micro-batch it
/// computed (`MicroBatchAssignment`): gradients, then whatever else must be summed the same way.
/// Every rank ends with the sum over all K micro-batches, added in micro-batch order 0…K−1:
///
/// 1. all-to-all: rank r sends slice o (`SlicePartition`) of each of its micro-batch vectors to
///    rank o, the slice's owner. Rank blocks arrive in rank order, which is micro-batch order.
/// 2. the owner adds its slice of the K vectors in that order (`InOrderSum`);
/// 3. all-gather of the summed slices.
///
/// Only bytes cross the wire, so the sum is bit-identical on any rank count N dividing K; a
/// floating-point MPI_Allreduce would add in an order chosen by N and the MPI algorithm.
public struct GradientExchange {
    public let assignment: MicroBatchAssignment
    public let partition: SlicePartition
    let communicator: any Communicator

    public init(length: Int, microBatches: Int, communicator: any Communicator) throws {
        assignment = try MicroBatchAssignment(microBatches: microBatches, ranks: communicator.size)
        partition = try SlicePartition(length: length, ranks: communicator.size)
        self.communicator = communicator
    }

    /// Bytes one rank sends to the others per step: its blocks of every other owner's slice,
    /// then its summed slice to every other rank.
    public var bytesSentPerRank: Int {
        (communicator.size - 1) * (assignment.perRank + 1) * partition.width * MemoryLayout<Float>.size
    }

    /// `local`: this rank's micro-batch vectors in order, `assignment.perRank` of `partition.length` values.
    public func sum(_ local: [[Float]]) throws -> [Float] {
        let (ranks, width, perRank) = (communicator.size, partition.width, assignment.perRank)
        guard local.count == perRank, local.allSatisfy({ $0.count == partition.length }) else {
            throw DistributedError(
                "rank \(communicator.rank) has \(local.count) micro-batch vectors of \(local.map(\.count)) values; expected \(perRank) of \(partition.length)")
        }
        var outgoing = [Float](repeating: 0, count: ranks * perRank * width)
        for owner in 0..<ranks {
            let slice = partition.slice(of: owner)
            for (index, vector) in local.enumerated() {
                let start = (owner * perRank + index) * width
                for (offset, i) in slice.enumerated() { outgoing[start + offset] = vector[i] }
            }
        }
        let incoming = try Self.floats(communicator.allToAll(Self.bytes(outgoing)))
        let owned = try incoming.withUnsafeBufferPointer { try InOrderSum.sum($0, count: assignment.microBatches, width: width) }
        let gathered = try Self.floats(communicator.allGather(Self.bytes(owned)))
        return Array(gathered.prefix(partition.length))
    }

    static func bytes(_ values: [Float]) -> [UInt8] { values.withUnsafeBytes { Array($0) } }

    static func floats(_ bytes: [UInt8]) throws -> [Float] {
        guard bytes.count % MemoryLayout<Float>.size == 0 else { throw DistributedError("received \(bytes.count) bytes: not whole floats") }
        var values = [Float](repeating: 0, count: bytes.count / MemoryLayout<Float>.size)
        values.withUnsafeMutableBytes { $0.copyBytes(from: bytes) }
        return values
    }
}
