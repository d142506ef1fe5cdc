import FlowDistributed
import Testing

/// The pieces of the exact exchange that need no second process: slices, micro-batch shares and
/// the in-order sum (the MPI runs themselves are DataParallelCLITests).
struct DistributedExchangeTests {
    @Test func slicesCoverTheVectorOncePerOwner() throws {
        for (length, ranks) in [(10, 4), (3, 4), (0, 2), (8, 2), (1, 1)] {
            let partition = try SlicePartition(length: length, ranks: ranks)
            let covered = (0..<ranks).flatMap { Array(partition.slice(of: $0)) }
            #expect(covered == Array(0..<length), "length \(length), \(ranks) ranks")
            #expect((0..<ranks).allSatisfy { partition.slice(of: $0).count <= partition.width })
        }
        #expect(try SlicePartition(length: 10, ranks: 4).slice(of: 3) == 9..<10)
    }

    @Test func microBatchesAreContiguousRunsInRankOrder() throws {
        let assignment = try MicroBatchAssignment(microBatches: 8, ranks: 4)
        #expect((0..<4).flatMap { Array(assignment.microBatches(of: $0)) } == Array(0..<8))
        #expect(assignment.microBatches(of: 1) == 2..<4)
        #expect(throws: DistributedError.self) { try MicroBatchAssignment(microBatches: 6, ranks: 4) }
        #expect(throws: DistributedError.self) { try MicroBatchAssignment(microBatches: 2, ranks: 4) }
    }

    /// Values where Float addition's order shows: (1e8 + 1) − 1e8 is 0 in order, 1 otherwise.
    @Test func theSumAddsBlocksInOrder() throws {
        let blocks: [Float] = [1e8, 1, 1, -1e8, -1e8, 1e8]
        let sum = try blocks.withUnsafeBufferPointer { try InOrderSum.sum($0, count: 3, width: 2) }
        #expect(sum == [(1e8 + 1) + -1e8, (1 + -1e8) + 1e8])
        #expect(sum == [0, 0])
    }

    @Test func oneProcessExchangeIsTheInOrderSum() throws {
        let vectors: [[Float]] = [[1e8, 2, 3], [1, 0.5, -3], [-1e8, 0.25, 7]]
        let exchange = try GradientExchange(length: 3, microBatches: 3, communicator: SingleProcessCommunicator())
        #expect(try exchange.sum(vectors) == [0, 2.75, 7])
        #expect(exchange.bytesSentPerRank == 0)
        #expect(throws: DistributedError.self) { try exchange.sum(Array(vectors.prefix(2))) }
    }
}
