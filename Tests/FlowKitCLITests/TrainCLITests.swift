import Foundation
import Testing

/// `flowkit train / eval / logprob / sample` run as a user runs them: exact resumption after
/// SIGKILL at arbitrary moments, outputs, and clear errors with nothing written on bad input.
@Suite(.serialized) struct TrainCLITests {
    static let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flowkit-cli-\(UUID().uuidString)")

    static func file(_ name: String, _ contents: String) throws -> String {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(name)
        try contents.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    static func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    static let smallConfig = """
        {"data": {"kind": "toy", "name": "banana", "evaluationSize": 2000},
         "model": {"kind": "realnvp", "layers": 4, "hidden": 32},
         "train": {"steps": 240, "batchSize": 128, "checkpointEvery": 20, "evalEvery": 80, "logEvery": 20, "seed": 11}}
        """

    /// Kills `flowkit train` with SIGKILL after pseudo-random delays and resumes it until it
    /// completes; the final checkpoint and the log-densities must equal an uninterrupted run's.
    @Test(arguments: ["cpu", "opencl"])
    func killedAndResumedRunMatchesAnUninterruptedOne(device: String) throws {
        let devices = try CLITests.run(["devices", "--json"])
        guard device == "cpu" || devices.stdout.contains("opencl:0") else { try Test.cancel("no OpenCL device on this machine") }
        guard let binary = CLITests.binary() else {
            Issue.record("flowkit binary not found")
            return
        }
        let config = try Self.file("small-\(device).json", Self.smallConfig)
        let reference = Self.path("reference-\(device)")
        let killed = Self.path("killed-\(device)")
        let straight = try CLITests.run(["train", config, "--run-dir", reference, "--device", device])
        #expect(straight.status == 0, "\(straight.stderr)")

        // Kill once the run has logged past each target step (so every kill lands mid-run on any
        // machine), after a varying extra delay so kills fall in different phases of a step.
        var kills = 0
        for target in [30, 70, 110, 150, 190] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["train", config, "--run-dir", killed, "--device", device, "--resume"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            while process.isRunning && Self.loggedStep(killed) < target { usleep(2_000) }
            usleep(UInt32(((target * 7919) % 40) * 1000))
            guard process.isRunning else { break }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            kills += 1
        }
        let finish = try CLITests.run(["train", config, "--run-dir", killed, "--device", device, "--resume"])
        #expect(finish.status == 0, "\(finish.stderr)")
        #expect(kills >= 2, "the run finished before it could be killed twice; the test proves little")

        let final = "checkpoints/step-00000240.safetensors"
        let a = try Data(contentsOf: URL(fileURLWithPath: "\(reference)/\(final)"))
        let b = try Data(contentsOf: URL(fileURLWithPath: "\(killed)/\(final)"))
        #expect(a == b, "final checkpoints differ after \(kills) kills")

        let points = try Self.file("points.csv", "x1,x2\n0.5,1\n-2,3.25\n4,-1\n")
        for run in [reference, killed] {
            let outcome = try CLITests.run(["logprob", "--run-dir", run, "--data", points, "--out", "\(run)/logprob.csv", "--device", device])
            #expect(outcome.status == 0, "\(outcome.stderr)")
        }
        let first = try String(contentsOfFile: "\(reference)/logprob.csv", encoding: .utf8)
        #expect(first.split(separator: "\n").count == 4)
        #expect(try first == String(contentsOfFile: "\(killed)/logprob.csv", encoding: .utf8))
    }

    /// The last step the run logged to metrics.jsonl (0 before the first line).
    static func loggedStep(_ run: String) -> Int {
        guard let text = try? String(contentsOfFile: "\(run)/metrics.jsonl", encoding: .utf8),
            let last = text.split(separator: "\n").last, let range = last.range(of: #""step":"#)
        else { return 0 }
        return Int(last[range.upperBound...].prefix { $0.isNumber }) ?? 0
    }

    /// A trained tiny model shared by the output tests.
    static let trained: String? = {
        guard let config = try? file("tiny.json", smallConfig.replacingOccurrences(of: "\"steps\": 240", with: "\"steps\": 40")) else { return nil }
        let run = path("tiny-run")
        let outcome = try? CLITests.run(["train", config, "--run-dir", run])
        return outcome?.status == 0 ? run : nil
    }()

    /// Flow++ with its variational dequantizer from the command line: trains on the digits, and
    /// `sample` writes integer images in 0…16, and `eval` reports the bound in bits per dimension.
    @Test func flowPlusPlusWithVariationalDequantizationTrainsEvaluatesAndSamples() throws {
        let config = try Self.file(
            "flowpp.json",
            """
            {"data": {"kind": "digits"},
             "model": {"kind": "flowpp", "levels": 2, "steps": 1, "hidden": 8, "components": 2, "dequantization": "variational", "dequantizerSteps": 1},
             "train": {"steps": 20, "batchSize": 32, "checkpointEvery": 10, "evalEvery": 10, "logEvery": 5, "seed": 4}}
            """)
        let run = Self.path("flowpp-run")
        let trained = try CLITests.run(["train", config, "--run-dir", run])
        #expect(trained.status == 0, "\(trained.stderr)")
        #expect(trained.stdout.contains("bits/dim"), "\(trained.stdout)")
        let out = Self.path("flowpp-samples.csv")
        let sampled = try CLITests.run(["sample", "--run-dir", run, "-n", "5", "--out", out, "--seed", "1"])
        #expect(sampled.status == 0, "\(sampled.stderr)")
        let values = try String(contentsOfFile: out, encoding: .utf8).split(whereSeparator: { $0 == "," || $0 == "\n" }).compactMap { Double($0) }
        // The model's own samples, as an NPY file, are data it can evaluate.
        let images = Self.path("flowpp-samples.npy")
        #expect(try CLITests.run(["sample", "--run-dir", run, "-n", "6", "--out", images, "--seed", "2"]).status == 0)
        let evaluated = try CLITests.run(["eval", "--run-dir", run, "--data", images])
        #expect(evaluated.status == 0, "\(evaluated.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(evaluated.stdout.utf8)) as? [String: Any]
        let bits = try #require(object?["bitsPerDim"] as? Double)
        #expect(bits.isFinite && bits > 0 && bits < 8, "bits/dim \(bits)")
        #expect(values.count >= 5 * 64 && values.allSatisfy { $0 >= 0 && $0 <= 16 && $0 == $0.rounded() })
    }

    @Test func evalPrintsOneJSONLine() throws {
        let run = try #require(Self.trained)
        let points = try Self.file("eval.csv", "0,0\n1,2\n-1,4\n")
        let outcome = try CLITests.run(["eval", "--run-dir", run, "--data", points])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any]
        #expect(object?["count"] as? Int == 3)
        #expect((object?["nll"] as? Double)?.isFinite == true)
        #expect(object?["bitsPerDim"] is NSNull)
    }

    @Test func logprobUsesRoundTripFormatting() throws {
        let run = try #require(Self.trained)
        let points = try Self.file("lp.csv", "0.1,0.2\n3,4\n")
        let out = Self.path("lp-out.csv")
        let outcome = try CLITests.run(["logprob", "--run-dir", run, "--data", points, "--out", out])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3 && lines[0] == "logprob")
        for line in lines.dropFirst() {
            let value = try #require(Float(line))
            #expect("\(value)" == line, "not the shortest round-trip text: \(line)")
        }
    }

    @Test(arguments: ["csv", "npy"])
    func sampleWritesTheRequestedFormat(_ format: String) throws {
        let run = try #require(Self.trained)
        let out = Self.path("samples.\(format)")
        let outcome = try CLITests.run(["sample", "--run-dir", run, "-n", "7", "--out", out, "--seed", "3", "--temperature", "0.8"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let data = try Data(contentsOf: URL(fileURLWithPath: out))
        if format == "csv" {
            #expect(String(decoding: data, as: UTF8.self).split(separator: "\n").count == 7)
        } else {
            #expect(data.prefix(6) == Data([0x93] + Array("NUMPY".utf8)))
            #expect(String(decoding: data, as: UTF8.self).contains("'shape': (7, 2)"))
        }
    }

    @Test(arguments: [
        (#"{"data": {"kind": "toy", "name": "banana"}, "train": {"stepz": 3}}"#, "config key 'train.stepz': unknown key"),
        (#"{"data": {"kind": "csv", "train": "missing.csv"}}"#, "missing.csv: cannot read the file"),
        (#"{"data": {"kind": "toy", "name": "banana"}, "model": {"kind": "glow"}}"#, "config key 'model.kind': glow models images"),
    ])
    func badConfigFailsAndWritesNothing(config: String, message: String) throws {
        let file = try Self.file("bad-\(UUID().uuidString).json", config)
        let run = Self.path("never-\(UUID().uuidString)")
        let outcome = try CLITests.run(["train", file, "--run-dir", run])
        #expect(outcome.status != 0)
        #expect(outcome.stderr.contains(message), "stderr: \(outcome.stderr)")
        #expect(!FileManager.default.fileExists(atPath: run), "a run directory was created for a failed start")
    }

    @Test(arguments: [
        ("1,2\n3,nan\n4,5\n", "row 2, column 2: value nan is not finite"),
        ("1,2\n3\n", "row 2 has 1 columns, expected 2"),
        ("", "is empty: no rows"),
    ])
    func badTrainingDataFailsAndWritesNothing(csv: String, message: String) throws {
        let data = try Self.file("data-\(UUID().uuidString).csv", csv)
        let config = try Self.file("cfg-\(UUID().uuidString).json", #"{"data": {"kind": "csv", "train": "\#(data)", "validationFraction": 0.5}}"#)
        let run = Self.path("never-\(UUID().uuidString)")
        let outcome = try CLITests.run(["train", config, "--run-dir", run])
        #expect(outcome.status != 0)
        #expect(outcome.stderr.contains("\(data): \(message)"), "stderr: \(outcome.stderr)")
        #expect(!FileManager.default.fileExists(atPath: run))
    }

    @Test func evalDataOfTheWrongWidthIsRejected() throws {
        let run = try #require(Self.trained)
        let points = try Self.file("wide.csv", "1,2,3\n4,5,6\n")
        let out = Self.path("never.csv")
        let outcome = try CLITests.run(["logprob", "--run-dir", run, "--data", points, "--out", out])
        #expect(outcome.status != 0)
        #expect(outcome.stderr.contains("\(points): has 3 columns, the model expects 2 columns"), "stderr: \(outcome.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func existingRunDirectoryIsRefusedWithoutResume() throws {
        let run = try #require(Self.trained)
        let before = try Data(contentsOf: URL(fileURLWithPath: "\(run)/config.json"))
        let outcome = try CLITests.run(["train", "--run-dir", run])
        #expect(outcome.status != 0)
        #expect(outcome.stderr.contains("already holds a run; pass --resume"), "stderr: \(outcome.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(run)/config.json")) == before)
    }
}

extension TrainCLITests {
    /// SIGTERM (as from a job scheduler) stops the run after the current step with a checkpoint
    /// at that step, and `--resume` continues from it.
    @Test func sigtermWritesACheckpointAndExitsCleanly() throws {
        guard let binary = CLITests.binary() else {
            Issue.record("flowkit binary not found")
            return
        }
        let longRun = Self.smallConfig.replacingOccurrences(of: "\"checkpointEvery\": 20", with: "\"checkpointEvery\": 100000")
            .replacingOccurrences(of: "\"steps\": 240", with: "\"steps\": 100000")
        let config = try Self.file("term.json", longRun)
        let run = Self.path("term-run")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["train", config, "--run-dir", run]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        while process.isRunning && Self.loggedStep(run) < 40 { usleep(2_000) }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130, "exit status \(process.terminationStatus)")
        let checkpoints = (try? FileManager.default.contentsOfDirectory(atPath: "\(run)/checkpoints")) ?? []
        let manifests = checkpoints.filter { $0.hasSuffix(".json") }
        #expect(manifests.count == 1, "checkpoints: \(checkpoints)")
        let step = manifests.first.flatMap { Int($0.dropFirst(5).dropLast(5)) } ?? 0
        #expect(step >= 40 && step < 100_000)
        let resumed = try CLITests.run(["train", "--run-dir", run, "--resume", "--steps", "\(step + 5)"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("resuming from step \(step)"))
    }
}
