import FlowDistributed
import FlowNCCL
import Foundation
import Testing

/// The NCCL exchange's plumbing, here without a GPU: where the library is looked for, what its
/// absence says, and the whole call path (entry points, the unique id passed by value through
/// CNCCLShim, staging, groups) against a one-rank stand-in library (`StandInNCCL`). A real NCCL
/// between GPUs runs only on a GPU host.
@Suite(.serialized)
struct NCCLCommunicatorTests {
    @Test func candidatesPutTheExplicitFolderFirstThenTheLinkerThenTheWheels() {
        let candidates = NCCLLocation.candidates(environment: ["FLOWKIT_NCCL_DIR": "/opt/nccl"], sitePackages: ["/venv/site-packages"])
        #expect(candidates == ["/opt/nccl/libnccl.so.2", "libnccl.so.2", "/venv/site-packages/nvidia/nccl/lib/libnccl.so.2"])
        #expect(NCCLLocation.candidates(environment: [:], sitePackages: []) == ["libnccl.so.2"])
    }

    @Test func aMissingLibraryIsAnErrorNamingEveryAttempt() {
        let path = "/nonexistent-flowkit-test/libnccl.so.2"
        do {
            _ = try NCCLLibrary(candidates: [path])
            Issue.record("opened \(path)")
        } catch {
            #expect("\(error)".contains("libnccl.so.2 not found") && "\(error)".contains(path), "\(error)")
        }
    }

    @Test(.enabled(if: StandInNCCL.compiler != nil, "needs a C compiler for the stand-in NCCL"))
    func everyExchangeMovesTheBytesThroughTheStandIn() throws {
        let library = try NCCLLibrary(candidates: [StandInNCCL.build()])
        #expect(library.version == 22703)
        let communicator = try NCCLCommunicator(bootstrap: SingleProcessCommunicator(), library: library, staging: HostStaging())
        let bytes: [UInt8] = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        #expect(try communicator.allGather(bytes) == bytes)
        #expect(try communicator.broadcast(bytes, root: 0) == bytes)
        #expect(try communicator.allToAll(bytes) == bytes)
        #expect(try communicator.gather(bytes, root: 0) == bytes)
        #expect(try communicator.allGather([]) == [])
        #expect(throws: DistributedError.self) { _ = try communicator.broadcast(bytes, root: 1) }

        // The gradient exchange over NCCL: the in-order sum of the micro-batch vectors, as over MPI.
        let vectors: [[Float]] = (0..<4).map { k in (0..<37).map { Float($0) * 0.1 + Float(k) * 1e-3 } }
        let overNCCL = try GradientExchange(length: 37, microBatches: 4, communicator: communicator).sum(vectors)
        let inProcess = try GradientExchange(length: 37, microBatches: 4, communicator: SingleProcessCommunicator()).sum(vectors)
        #expect(overNCCL.map(\.bitPattern) == inProcess.map(\.bitPattern))
        communicator.finish()
    }

    /// A result code other than success comes back as an error with NCCL's own words.
    @Test(.enabled(if: StandInNCCL.compiler != nil, "needs a C compiler for the stand-in NCCL"))
    func aFailedCallIsAnErrorWithNCCLsWords() throws {
        let library = try NCCLLibrary(candidates: [StandInNCCL.build()])
        // The stand-in accepts one rank only: two are refused by ncclCommInitRank.
        #expect {
            _ = try NCCLCommunicator(bootstrap: TwoRankBootstrap(), library: library, staging: HostStaging())
        } throws: { error in
            "\(error)" == "ncclCommInitRank failed with NCCL result 4 (invalid argument (stand-in))"
        }
    }
}

/// Rank 0 of a pretend two-rank job, for the refusal above (its broadcast returns its own bytes).
final class TwoRankBootstrap: Communicator {
    var rank: Int { 0 }
    var size: Int { 2 }
    func barrier() throws {}
    func broadcast(_ bytes: [UInt8], root: Int) throws -> [UInt8] { bytes }
    func gather(_ bytes: [UInt8], root: Int) throws -> [UInt8]? { bytes + bytes }
    func allGather(_ bytes: [UInt8]) throws -> [UInt8] { bytes + bytes }
    func allToAll(_ bytes: [UInt8]) throws -> [UInt8] { bytes }
    func abort(code: Int32) -> Never { exit(code) }
    func finish() {}
}
