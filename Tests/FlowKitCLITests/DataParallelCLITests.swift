import Foundation
import Testing

/// `mpirun` on PATH, if any (a type of its own: a suite's trait cannot name the suite itself).
enum MPIRun {
    static let path: String? = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        .map { "\($0)/mpirun" }.first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// Data-parallel training under `mpirun` (issue 27 §2): with the same `train.microBatches` K, one
/// process and 1, 2 or 4 ranks end with the same checkpoint bytes, and a run resumed on another
/// rank count ends exactly as an uninterrupted one. Needs Open MPI's `mpirun` (CI installs it).
@Suite(.serialized, .enabled(if: MPIRun.path != nil, "needs Open MPI's mpirun on PATH"))
struct DataParallelCLITests {
    static let mpirun = MPIRun.path
    static let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flowkit-mpi-\(UUID().uuidString)")

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let config: String
        var testDescription: String { name }
    }

    /// W1's model (RealNVP on the banana) at a test size, and Glow on the digits, whose ActNorm
    /// layers initialise from the first batch (which ranks must see whole) and whose
    /// dequantization draws noise per micro-batch. K = 4 micro-batches, 8 steps.
    static let cases = [
        Case(
            name: "W1 realnvp",
            config: #"""
                {"data": {"kind": "toy", "name": "banana", "evaluationSize": 500},
                 "model": {"kind": "realnvp", "layers": 4, "hidden": 64},
                 "train": {"steps": 8, "batchSize": 128, "microBatches": 4, "checkpointEvery": 4, "evalEvery": 4, "logEvery": 1, "seed": 5}}
                """#),
        Case(
            name: "glow digits",
            config: #"""
                {"data": {"kind": "digits"}, "model": {"kind": "glow", "levels": 2, "steps": 2, "hidden": 16},
                 "train": {"steps": 8, "batchSize": 32, "microBatches": 4, "checkpointEvery": 4, "evalEvery": 4, "logEvery": 1, "seed": 5}}
                """#),
    ]

    /// `flowkit train` on `ranks` ranks (nil: plain, without mpirun), one thread each.
    static func train(_ configPath: String, runDir: URL, ranks: Int?, extra: [String] = []) throws -> CLITests.Outcome {
        guard let binary = CLITests.binary(), let mpirun else {
            Issue.record("flowkit binary or mpirun not found")
            return CLITests.Outcome(status: -1, stdout: "", stderr: "")
        }
        let command = ["train", configPath, "--run-dir", runDir.path, "--threads", "1"] + extra
        guard let ranks else { return try CLITests.launch(binary, command) }
        return try CLITests.launch(mpirun, mpirunArguments(ranks) + [binary] + command)
    }

    static func mpirunArguments(_ ranks: Int) -> [String] { ["--allow-run-as-root", "--oversubscribe", "-np", "\(ranks)"] }

    static func checkpoint(_ runDir: URL, step: Int) throws -> Data {
        try Data(contentsOf: runDir.appendingPathComponent("checkpoints/step-\(String(format: "%08d", step)).safetensors"))
    }

    @Test(arguments: cases) func everyRankCountTrainsTheSameBits(_ testCase: Case) throws {
        let base = Self.folder.appendingPathComponent(testCase.name.replacingOccurrences(of: " ", with: "-"))
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        let config = base.appendingPathComponent("config.json")
        try Data(testCase.config.utf8).write(to: config)
        let plainDir = base.appendingPathComponent("plain")
        let plain = try Self.train(config.path, runDir: plainDir, ranks: nil)
        try #require(plain.status == 0, "plain train failed: \(plain.stderr)")
        let reference = try Self.checkpoint(plainDir, step: 8)
        for ranks in [1, 2, 4] {
            let runDir = base.appendingPathComponent("np\(ranks)")
            let outcome = try Self.train(config.path, runDir: runDir, ranks: ranks)
            try #require(outcome.status == 0, "mpirun -np \(ranks) failed: \(outcome.stderr)")
            #expect(try Self.checkpoint(runDir, step: 8) == reference, "\(testCase.name): -np \(ranks) ends with other parameters than one process")
            // Only rank 0 writes: one line per event, as one process writes them.
            let metrics = try String(contentsOf: runDir.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
            let plainMetrics = try String(contentsOf: plainDir.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
            #expect(metrics.split(separator: "\n").count == plainMetrics.split(separator: "\n").count, "-np \(ranks): \(metrics)")
        }
        // Half-way on 2 ranks, then resumed on 4 (and on 1): the same bits as uninterrupted.
        for (first, second) in [(2, 4), (4, 1)] {
            let runDir = base.appendingPathComponent("resume-\(first)-\(second)")
            let half = try Self.train(config.path, runDir: runDir, ranks: first, extra: ["--steps", "4"])
            try #require(half.status == 0, "first half on \(first) ranks failed: \(half.stderr)")
            let rest = try Self.train(config.path, runDir: runDir, ranks: second, extra: ["--steps", "8", "--resume"])
            try #require(rest.status == 0, "resume on \(second) ranks failed: \(rest.stderr)")
            #expect(try Self.checkpoint(runDir, step: 8) == reference, "\(testCase.name): \(first) ranks then \(second) differs from uninterrupted")
        }
    }

    /// A long W1 run: long enough to be stopped or killed half-way on this machine.
    static let longConfig = #"""
        {"data": {"kind": "toy", "name": "banana", "evaluationSize": 500},
         "model": {"kind": "realnvp", "layers": 4, "hidden": 64},
         "train": {"steps": 3000, "batchSize": 128, "microBatches": 4, "checkpointEvery": 50, "evalEvery": 1000, "logEvery": 100, "seed": 9}}
        """#

    /// Starts `mpirun -np ranks flowkit train` without waiting; its output goes to files in the run directory's parent.
    static func start(_ configPath: String, runDir: URL, ranks: Int) throws -> Process {
        guard let binary = CLITests.binary(), let mpirun else { throw CocoaError(.executableNotLoadable) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: mpirun)
        process.arguments = mpirunArguments(ranks) + [binary, "train", configPath, "--run-dir", runDir.path, "--threads", "1"]
        let log = runDir.deletingLastPathComponent().appendingPathComponent(runDir.lastPathComponent + ".log")
        guard FileManager.default.createFile(atPath: log.path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        // Test threads (dispatch workers) block SIGTERM, and a spawned child keeps its parent's
        // mask: mpirun would never see the signal. Unblocked for the spawn only.
        var termination = sigset_t()
        var previous = sigset_t()
        sigemptyset(&termination)
        sigaddset(&termination, SIGTERM)
        sigaddset(&termination, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &termination, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        try process.run()
        return process
    }

    /// Waits (up to a minute) until the run has written a checkpoint past `step`.
    static func waitForCheckpoint(after step: Int, in runDir: URL, while process: Process) throws {
        for _ in 0..<600 {
            if newestCheckpointStep(runDir) > step { return }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        Issue.record("no checkpoint after step \(step) in \(runDir.path)/checkpoints")
    }

    /// The `flowkit` processes mpirun started (its children in /proc), so a test can kill one rank.
    static func ranks(of launcher: Process) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid_t($0) }.filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            let name = stat[stat.index(after: stat.firstIndex(of: "(") ?? stat.startIndex)..<close]
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return name == "flowkit" && fields.count > 1 && pid_t(fields[1]) == launcher.processIdentifier
        }
    }

    static func newestCheckpointStep(_ runDir: URL) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: runDir.appendingPathComponent("checkpoints").path)) ?? []
        return names.compactMap { Int($0.dropFirst("step-".count).prefix(8)) }.max() ?? 0
    }

    /// The long config written into `name`'s folder, and the final checkpoint of one plain
    /// process on it: trained once, for both tests below.
    static func longRun(_ name: String) throws -> (config: URL, reference: Data) {
        let base = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        let config = base.appendingPathComponent("config.json")
        try Data(longConfig.utf8).write(to: config)
        return (config, try longReference.get())
    }

    static let longReference = Result<Data, any Error>(catching: {
        let base = DataParallelCLITests.folder.appendingPathComponent("long-plain")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        let config = base.appendingPathComponent("config.json")
        try Data(DataParallelCLITests.longConfig.utf8).write(to: config)
        let plain = try DataParallelCLITests.train(config.path, runDir: base.appendingPathComponent("run"), ranks: nil)
        guard plain.status == 0 else { throw PlainRunFailure(description: "plain train failed: \(plain.stderr)") }
        return try DataParallelCLITests.checkpoint(base.appendingPathComponent("run"), step: 3000)
    })

    struct PlainRunFailure: Error, CustomStringConvertible {
        let description: String
    }

    /// One rank SIGKILLed mid-run takes the whole job down (MPI aborts it); `--resume` on
    /// another rank count then ends with the uninterrupted run's bits.
    @Test func aKilledRankStopsTheJobAndAResumeOnOtherRanksEndsTheSame() throws {
        let (config, reference) = try Self.longRun("kill")
        let runDir = config.deletingLastPathComponent().appendingPathComponent("np2")
        let launcher = try Self.start(config.path, runDir: runDir, ranks: 2)
        try Self.waitForCheckpoint(after: 50, in: runDir, while: launcher)
        let children = Self.ranks(of: launcher)
        try #require(children.count == 2, "expected two flowkit ranks under mpirun, found \(children)")
        kill(children[1], SIGKILL)
        launcher.waitUntilExit()
        #expect(launcher.terminationStatus != 0, "mpirun should report the killed rank")
        let killedAt = Self.newestCheckpointStep(runDir)
        try #require(killedAt < 3000, "the run ended before the kill; nothing was tested")
        #expect(Self.ranks(of: launcher).isEmpty)

        let rest = try Self.train(config.path, runDir: runDir, ranks: 4, extra: ["--resume"])
        try #require(rest.status == 0, "resume on 4 ranks failed: \(rest.stderr)")
        #expect(try Self.checkpoint(runDir, step: 3000) == reference, "killed at \(killedAt), resumed on 4 ranks: other bits")
    }

    /// SIGTERM to mpirun stops every rank after the same step with one checkpoint, which a
    /// resume continues to the uninterrupted run's bits.
    @Test func sigtermToMpirunStopsAllRanksWithACheckpoint() throws {
        let (config, reference) = try Self.longRun("term")
        let base = config.deletingLastPathComponent()
        let runDir = base.appendingPathComponent("np2")
        // Open MPI's mpirun sends the ranks SIGCONT, SIGTERM odls_base_sigkill_timeout seconds later
        // (default 1), SIGKILL as long again after that: this step and checkpoint take milliseconds.
        let launcher = try Self.start(config.path, runDir: runDir, ranks: 2)
        try Self.waitForCheckpoint(after: 50, in: runDir, while: launcher)
        launcher.terminate()
        launcher.waitUntilExit()
        let log = (try? String(contentsOf: base.appendingPathComponent("np2.log"), encoding: .utf8)) ?? ""
        let stoppedAt = Self.newestCheckpointStep(runDir)
        try #require(stoppedAt < 3000, "the run ended before the signal; nothing was tested")
        #expect(log.contains("stopped by signal at step \(stoppedAt)"), "\(log)")

        let rest = try Self.train(config.path, runDir: runDir, ranks: 1, extra: ["--resume"])
        try #require(rest.status == 0, "resume failed: \(rest.stderr)")
        #expect(try Self.checkpoint(runDir, step: 3000) == reference, "stopped at \(stoppedAt): other bits")
    }

    /// K must be a multiple of N: refused before anything is written, with the reason.
    @Test func aRankCountThatDoesNotDivideTheMicroBatchesIsRefused() throws {
        try FileManager.default.createDirectory(at: Self.folder, withIntermediateDirectories: true)
        let config = Self.folder.appendingPathComponent("k3.json")
        try Data(#"{"data": {"kind": "toy", "name": "banana", "evaluationSize": 500}, "train": {"steps": 2, "batchSize": 96, "microBatches": 3}}"#.utf8).write(
            to: config)
        let runDir = Self.folder.appendingPathComponent("k3-np2")
        let outcome = try Self.train(config.path, runDir: runDir, ranks: 2)
        #expect(outcome.status != 0)
        #expect(outcome.stderr.contains("train.microBatches (3) must be a multiple of the rank count (2)"), "\(outcome.stderr)")
        #expect(!FileManager.default.fileExists(atPath: runDir.appendingPathComponent("config.json").path))
    }
}
