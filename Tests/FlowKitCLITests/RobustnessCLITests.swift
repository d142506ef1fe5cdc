import Foundation
import Testing

/// What a new user ran into: two trainers on one run directory, bad paths and flags, corrupt
/// files in a run, non-finite outputs, an unwritable HOME, small data. Each gets a clear message
/// and a non-zero exit (or a warning on standard error), and nothing is lost or half-written.
@Suite(.serialized) struct RobustnessCLITests {
    static let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flowkit-robust-\(UUID().uuidString)")

    static func file(_ name: String, _ contents: String) throws -> String {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(name)
        try contents.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    static func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    static let tinyConfig = """
        {"data": {"kind": "toy", "name": "banana", "evaluationSize": 500},
         "model": {"kind": "realnvp", "layers": 2, "hidden": 16},
         "train": {"steps": 40, "batchSize": 64, "checkpointEvery": 20, "evalEvery": 20, "logEvery": 10, "seed": 5}}
        """

    /// A trained run for the output tests (its own copy per caller, so tests may damage it).
    static func trainedRun(_ name: String) throws -> String {
        let config = try file("tiny-\(name).json", tinyConfig)
        let run = path("run-\(name)")
        let outcome = try CLITests.run(["train", config, "--run-dir", run])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        return run
    }

    /// Two `train --resume` started together on one directory: one runs, the other stops at
    /// once naming the holder's pid, and the run's metrics are written once.
    @Test func aSecondTrainerOnTheSameDirectoryIsRefused() throws {
        guard let binary = CLITests.binary() else {
            Issue.record("flowkit binary not found")
            return
        }
        let config = try Self.file("contended.json", Self.tinyConfig.replacingOccurrences(of: "\"steps\": 40", with: "\"steps\": 400"))
        let run = Self.path("contended")
        let processes = (0..<2).map { _ in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["train", config, "--run-dir", run, "--resume"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = Pipe()
            return process
        }
        for process in processes { try process.run() }
        var errors: [String] = []
        for process in processes {
            let pipe = process.standardError as? Pipe
            errors.append(String(decoding: pipe?.fileHandleForReading.readDataToEndOfFile() ?? Data(), as: UTF8.self))
            process.waitUntilExit()
        }
        let statuses = processes.map(\.terminationStatus).sorted()
        #expect(statuses[0] == 0 && statuses[1] != 0, "statuses \(statuses), stderr \(errors)")
        #expect(errors.contains { $0.contains("is in use by another flowkit process (pid ") }, "\(errors)")
        let lines = try String(contentsOfFile: "\(run)/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(Set(lines).count == lines.count, "metrics.jsonl has repeated lines")
        #expect(lines.filter { $0.contains(#""event":"test""#) }.count == 1)
    }

    @Test(arguments: [
        ["train", "--run-dir", ""],
        ["eval", "--run-dir", "", "--data", "x.csv"],
        ["logprob", "--run-dir", " ", "--data", "x.csv", "--out", "y.csv"],
        ["sample", "--run-dir", "", "-n", "3", "--out", "y.csv"],
    ])
    func anEmptyRunDirectoryIsRejected(arguments: [String]) throws {
        let outcome = try CLITests.run(arguments)
        #expect(outcome.status != 0)
        #expect(outcome.stderr.contains("--run-dir must name a directory, got an empty string"), "\(outcome.stderr)")
    }

    @Test(arguments: [
        (["train", "--run-dir", "never", "--steps", "-5"], "--steps must be in 1...1000000000, got -5"),
        (["train", "--run-dir", "never", "--steps", "3000000000"], "--steps must be in 1...1000000000, got 3000000000"),
        (["train", "--run-dir", "never", "--steps", "9223372036854775807"], "--steps must be in 1...1000000000"),
        (["sample", "--run-dir", "never", "-n", "-1", "--out", "y.csv"], "-n must be in 1...10000000, got -1"),
        (["sample", "--run-dir", "never", "-n", "2", "--temperature", "-1", "--out", "y.csv"], "--temperature must be in (0, 100], got -1.0"),
    ])
    func outOfRangeFlagsGiveTheRange(arguments: [String], message: String) throws {
        let outcome = try CLITests.run(arguments)
        #expect(outcome.status != 0)
        #expect(outcome.stderr.contains(message), "\(outcome.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "never"))
    }

    @Test func fileSystemErrorsAreInWords() throws {
        let run = try Self.trainedRun("paths")
        let points = try Self.file("points.csv", "0,1\n2,3\n")
        let folderOut = Self.path("a-folder.csv")
        try FileManager.default.createDirectory(atPath: folderOut, withIntermediateDirectories: true)
        let cases: [([String], String)] = [
            (["sample", "--run-dir", run, "-n", "3", "--out", folderOut], "cannot write \(folderOut): it is a folder, not a file"),
            (
                ["logprob", "--run-dir", run, "--data", points, "--out", Self.path("missing/lp.csv")],
                "cannot write \(Self.path("missing/lp.csv")): the folder \(Self.path("missing")) does not exist"
            ),
            (["train", "--run-dir", "\(points)/run"], "cannot create the run directory \(points)/run: \(points) exists and is a file, not a folder"),
            (["eval", "--run-dir", run, "--data", Self.folder.path], "cannot read the file: it is a folder, not a file"),
        ]
        for (arguments, message) in cases {
            let outcome = try CLITests.run(arguments)
            #expect(outcome.status != 0, "\(arguments)")
            #expect(outcome.stderr.contains(message), "\(arguments): \(outcome.stderr)")
            #expect(!outcome.stderr.contains("NSCocoaErrorDomain") && !outcome.stderr.contains("DecodingError"), "\(outcome.stderr)")
        }
    }

    @Test func aCorruptSavedConfigNamesTheFile() throws {
        let run = try Self.trainedRun("corrupt-config")
        try Data(#"{"data": {"kind": "toy", "#.utf8).write(to: URL(fileURLWithPath: "\(run)/config.json"))
        let points = try Self.file("cc.csv", "0,1\n")
        for arguments in [["eval", "--run-dir", run, "--data", points], ["train", "--run-dir", run, "--resume"]] {
            let outcome = try CLITests.run(arguments)
            #expect(outcome.status != 0)
            #expect(outcome.stderr.contains("line 1, column 26"), "\(outcome.stderr)")
            #expect(outcome.stderr.contains("in the run's saved config \(run)/config.json, which is damaged"), "\(outcome.stderr)")
        }
    }

    /// A corrupt best model is named on standard error and the newest checkpoint is used.
    @Test func aCorruptBestModelFallsBackToTheNewestCheckpoint() throws {
        let run = try Self.trainedRun("corrupt-best")
        let best = URL(fileURLWithPath: "\(run)/best.safetensors")
        var bytes = try Data(contentsOf: best)
        bytes.replaceSubrange(0..<8, with: [UInt8](repeating: 0xFF, count: 8))
        try bytes.write(to: best)
        let points = try Self.file("cb.csv", "0,1\n")
        let outcome = try CLITests.run(["eval", "--run-dir", run, "--data", points])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("warning: the best model \(best.path) is unusable"), "\(outcome.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any]
        #expect(object?["model"] as? String == "newest checkpoint (step 40)")
    }

    /// A point the model gives no finite density: `eval` still prints JSON (null plus a flag),
    /// `logprob` writes nan/inf/-inf as NumPy reads them.
    @Test func nonFiniteOutputsAreWellFormed() throws {
        let run = try Self.trainedRun("non-finite")
        let points = try Self.file("nf.csv", "0,1\n1e30,-1e30\n")
        let eval = try CLITests.run(["eval", "--run-dir", run, "--data", points])
        #expect(eval.status == 0, "\(eval.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any], "\(eval.stdout)")
        #expect(object["nll"] is NSNull)
        #expect(object["nonFiniteCount"] as? Int == 1)
        let flag = (object["nonFinite"] as? [String: String])?["nll"]
        #expect(flag == "nan" || flag == "inf", "\(object)")
        let out = Self.path("nf-lp.csv")
        let logprob = try CLITests.run(["logprob", "--run-dir", run, "--data", points, "--out", out])
        #expect(logprob.status == 0, "\(logprob.stderr)")
        #expect(logprob.stderr.contains("1 of 2 log-densities are not finite"))
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3 && Float(lines[1])?.isFinite == true)
        #expect(["nan", "inf", "-inf"].contains(lines[2]), "\(lines)")
    }

    /// PoCL lists no device when it cannot create its cache under HOME; flowkit points it
    /// elsewhere, and says what is wrong when even that is impossible.
    @Test func openCLWorksWithAnUnwritableHome() throws {
        let normal = try CLITests.run(["devices", "--json"])
        guard normal.stdout.contains("opencl:0") else { try Test.cancel("no OpenCL device on this machine") }
        let blocker = try Self.file("not-a-folder", "")
        let unwritable: [String: String?] = ["HOME": "\(blocker)/home", "XDG_CACHE_HOME": nil, "POCL_CACHE_DIR": nil, "FLOWKIT_CACHE_DIR": nil]
        let outcome = try CLITests.run(["devices", "--json"], environment: unwritable)
        #expect(outcome.stdout.contains("opencl:0"), "\(outcome.stdout) \(outcome.stderr)")
        var impossible = unwritable
        impossible["POCL_CACHE_DIR"] = "\(blocker)/pocl"
        let refused = try CLITests.run(["bench", "--device", "opencl"], environment: impossible)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("POCL_CACHE_DIR"), "\(refused.stderr)")
    }

    @Test func smallDataGetsAWarningOnStandardError() throws {
        let rows = (0..<40).map { index in "\(Double(index % 7) * 0.3),\(Double(index % 5) - 1.5),\(Double(index % 3))" }
        let data = try Self.file("small.csv", rows.joined(separator: "\n") + "\n")
        let config = try Self.file("small.json", #"{"data": {"kind": "csv", "train": "\#(data)"}, "model": {"kind": "maf"}, "train": {"steps": 2}}"#)
        let outcome = try CLITests.run(["train", config, "--run-dir", Self.path("small-run")])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("train.batchSize 512 is larger than the training set (36 examples)"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("parameters for 108 training values"), "\(outcome.stderr)")
        #expect(!outcome.stdout.contains("warning"))
    }
}
