import Foundation
import Testing

/// `FLOWKIT_EXCHANGE` under mpirun: a value that is neither mpi nor nccl is refused with the
/// variable named; `nccl` on the CPU is refused on every rank (no rank can use NCCL there) before
/// anything is written; `mpi` trains as the default does.
@Suite(.serialized, .enabled(if: MPIRun.path != nil, "needs Open MPI's mpirun on PATH"))
struct ExchangeChoiceCLITests {
    static func train(_ environment: [String: String], runDir: URL) throws -> CLITests.Outcome {
        guard let binary = CLITests.binary(), let mpirun = MPIRun.path else {
            Issue.record("flowkit binary or mpirun not found")
            return CLITests.Outcome(status: -1, stdout: "", stderr: "")
        }
        let config = runDir.deletingLastPathComponent().appendingPathComponent("exchange.json")
        try Data(
            #"{"data": {"kind": "toy", "name": "banana", "evaluationSize": 200}, "model": {"layers": 2, "hidden": 8}, "train": {"steps": 2, "batchSize": 32, "microBatches": 2}}"#
                .utf8
        )
        .write(to: config)
        let exported = environment.flatMap { ["-x", "\($0.key)=\($0.value)"] }
        return try CLITests.launch(
            mpirun,
            ["--allow-run-as-root", "--oversubscribe", "-np", "2"] + exported + [binary, "train", config.path, "--run-dir", runDir.path, "--threads", "1"])
    }

    static func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flowkit-exchange-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test func anUnknownExchangeIsRefusedNamingTheVariable() throws {
        let runDir = try Self.folder().appendingPathComponent("run")
        let outcome = try Self.train(["FLOWKIT_EXCHANGE": "carrier-pigeon"], runDir: runDir)
        #expect(outcome.status != 0)
        #expect(outcome.stderr.contains(#"FLOWKIT_EXCHANGE is "carrier-pigeon"; expected mpi or nccl"#), "\(outcome.stderr)")
        #expect(!FileManager.default.fileExists(atPath: runDir.appendingPathComponent("config.json").path))
    }

    @Test func ncclOnTheCPUIsRefusedOnEveryRank() throws {
        let runDir = try Self.folder().appendingPathComponent("run")
        let outcome = try Self.train(["FLOWKIT_EXCHANGE": "nccl"], runDir: runDir)
        #expect(outcome.status != 0)
        #expect(
            outcome.stderr.contains("FLOWKIT_EXCHANGE=nccl, but rank(s) 0, 1 cannot use NCCL (this rank: the device is not a CUDA device)"), "\(outcome.stderr)"
        )
        #expect(!FileManager.default.fileExists(atPath: runDir.appendingPathComponent("config.json").path))
    }

    @Test func mpiTrainsAsTheDefaultDoes() throws {
        let folder = try Self.folder()
        let chosen = try Self.train(["FLOWKIT_EXCHANGE": "mpi"], runDir: folder.appendingPathComponent("mpi"))
        let automatic = try Self.train([:], runDir: folder.appendingPathComponent("auto"))
        try #require(chosen.status == 0 && automatic.status == 0, "\(chosen.stderr)\n\(automatic.stderr)")
        let final = "checkpoints/step-00000002.safetensors"
        #expect(
            try Data(contentsOf: folder.appendingPathComponent("mpi/\(final)")) == Data(contentsOf: folder.appendingPathComponent("auto/\(final)")))
    }
}
