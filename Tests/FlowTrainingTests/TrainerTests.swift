import FlowLayers
import FlowRuntime
import Foundation
import Synchronization
import Testing

@testable import FlowTraining

/// Training runs in process: quality on the banana density, exact resumption, refusal to
/// overwrite, non-finite handling, and the example configs.
@Suite(.serialized) struct TrainerTests {
    static func temporaryRun() -> RunDirectory {
        RunDirectory(FileManager.default.temporaryDirectory.appendingPathComponent("flowkit-run-\(UUID().uuidString)").path)
    }

    static func config(_ text: String) throws -> TrainingConfig { try TrainingConfig.parse(Data(text.utf8)) }

    static var quiet: Trainer.Options {
        var options = Trainer.Options()
        options.log = { _ in }
        options.warn = { _ in }
        return options
    }

    /// The embedded default, shortened from 5000 to 1000 steps: plain PyTorch reaches a KL gap of
    /// 0.005–0.009 nats in 5000 steps; after 1000 the gap must be under 0.03 (20k test samples:
    /// the estimate's standard error is about 0.01).
    @Test func defaultModelLearnsTheBanana() throws {
        let run = Self.temporaryRun()
        defer { try? FileManager.default.removeItem(at: run.url) }
        var config = try TrainingConfig.parse(Data(TrainingConfig.embeddedDefault.utf8))
        config.data.evaluationSize = 20_000
        config.train.steps = 1000
        let trainer = try Trainer(config: config, run: run, device: DeviceRegistry.device(named: "cpu"), options: Self.quiet)
        let summary = try trainer.train()
        let test = try #require(summary.test)
        let entropy = try #require(summary.entropy)
        #expect(test.nll - entropy < 0.03, "test NLL \(test.nll), entropy \(entropy)")
        for picture in ["loss.svg", "samples.svg", "density.svg", "best.safetensors", "config.json", "metrics.jsonl"] {
            #expect(FileManager.default.fileExists(atPath: run.picture(picture).path), "missing \(picture)")
        }
        #expect(!CheckpointStore(runDirectory: run.url, keep: 3).steps().isEmpty)
    }

    static let smallConfig = """
        {"data": {"kind": "toy", "name": "moons", "evaluationSize": 500},
         "model": {"kind": "realnvp", "layers": 4, "hidden": 16},
         "train": {"steps": 60, "batchSize": 64, "checkpointEvery": 20, "evalEvery": 30, "logEvery": 10, "seed": 3}}
        """

    static func finalParameters(_ trainer: Trainer) throws -> [[Float]] {
        try trainer.flow.parameters.map { try $0.value.toArray() }
    }

    /// Stopping at step 35 (a checkpoint is written on stop) and resuming to 60 gives exactly the
    /// parameters of an uninterrupted 60-step run, on every device.
    @Test(arguments: ["cpu", "opencl"])
    func stopAndResumeIsBitIdentical(_ deviceName: String) throws {
        guard deviceName == "cpu" || DeviceRegistry.hasOpenCL else { try Test.cancel("no OpenCL device on this machine") }
        let device = try DeviceRegistry.device(named: deviceName)
        let runs = try StopAndResume(Self.smallConfig, device: device, stopAt: 35, steps: 60)
        #expect(runs.resumedFrom == 35)
        #expect(try runs.parametersAreIdentical())
    }

    @Test func existingRunIsNeverOverwritten() throws {
        let run = Self.temporaryRun()
        defer { try? FileManager.default.removeItem(at: run.url) }
        let config = try Self.config(Self.smallConfig)
        var options = Self.quiet
        options.stepsOverride = 5
        _ = try Trainer(config: config, run: run, device: DeviceRegistry.device(named: "cpu"), options: options).train()
        let saved = try Data(contentsOf: run.config)
        #expect(throws: ConfigError.self) {
            _ = try Trainer(config: config, run: run, device: DeviceRegistry.device(named: "cpu"), options: Self.quiet)
        }
        #expect(try Data(contentsOf: run.config) == saved)
    }

    /// A model whose parameters hold a NaN: every step is skipped, and after `maxNonFiniteSteps`
    /// in a row the run stops with an error naming the first transform that produced it.
    @Test func nonFiniteStepsAreSkippedThenStopTheRun() throws {
        let run = Self.temporaryRun()
        defer { try? FileManager.default.removeItem(at: run.url) }
        let config = try Self.config(
            """
            {"data": {"kind": "toy", "name": "banana", "evaluationSize": 100},
             "model": {"kind": "realnvp", "layers": 2, "hidden": 8},
             "train": {"steps": 50, "batchSize": 32, "maxNonFiniteSteps": 3, "checkpointEvery": 1000, "evalEvery": 1000}}
            """)
        let trainer = try Trainer(config: config, run: run, device: DeviceRegistry.device(named: "cpu"), options: Self.quiet)
        let poisoned = try #require(trainer.flow.parameters.last)
        poisoned.value = try Tensor.full(poisoned.shape, value: .nan, on: poisoned.device)
        do {
            _ = try trainer.train()
            Issue.record("training with a NaN parameter did not stop")
        } catch {
            #expect("\(error)".contains("3 consecutive non-finite steps"), "\(error)")
            #expect("\(error)".contains("first non-finite transform: flow[1]"), "\(error)")
        }
        #expect(trainer.state.step == 2)  // the third skip ends the run before it counts as completed
        #expect(trainer.state.learningRateFactor == 0.125)
        // Nothing with a non-finite parameter was saved.
        #expect(CheckpointStore(runDirectory: run.url, keep: 3).steps().isEmpty)
        let skips = run.readMetrics().filter { $0["event"] == .string("skip") }
        #expect(skips.count == 3)
    }

    /// The example configs in Tests/Examples parse and train a few steps.
    @Test(arguments: ["glow-digits.json", "maf-tabular.json", "vae-digits.json", "vae-iaf-digits.json", "vae-iaf-flowprior-digits.json"])
    func exampleConfigsRun(_ name: String) throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Examples/\(name)").path
        let run = Self.temporaryRun()
        defer { try? FileManager.default.removeItem(at: run.url) }
        var options = Self.quiet
        options.stepsOverride = 4
        var config = try TrainingConfig.load(path)
        config.train.evalEvery = 2
        let summary = try Trainer(config: config, run: run, device: DeviceRegistry.device(named: "cpu"), options: options).train()
        #expect(summary.step == 4)
        #expect(summary.test?.nll.isFinite == true)
    }

    /// The end-of-run test NLL is that of the model `eval` uses (the best model), and the metric
    /// line says which model that is.
    @Test func testNLLIsTheEvaluatedModels() throws {
        let run = Self.temporaryRun()
        defer { try? FileManager.default.removeItem(at: run.url) }
        let device = try DeviceRegistry.device(named: "cpu")
        let summary = try Trainer(config: Self.config(Self.smallConfig), run: run, device: device, options: Self.quiet).train()
        let model = try TrainedModel.load(run: run, device: device) { _ in }
        let expected = try Evaluator.evaluate(model.flow, data: model.data.source.test, isImage: false, batchSize: 1024, seed: 3, on: device)
        #expect(summary.test == expected)
        #expect(summary.testModel == model.source && model.source.hasPrefix("best model (step "))
        let line = try #require(run.readMetrics().last)
        #expect(line["event"] == .string("test") && line["model"] == .string(model.source))
        #expect(line["testNLL"] == .number(expected.nll))
        #expect((summary.finalTest == nil) == (model.step == 60))
    }

    /// A validation set the model gives zero density (a row at 1e30) makes every validation NLL
    /// non-finite: the run records it as null with a flag, warns, keeps going, reports the test
    /// NLL of the newest checkpoint, and can be resumed.
    @Test func nonFiniteValidationIsRecordedNotFatal() throws {
        let run = Self.temporaryRun()
        let folder = run.url.deletingLastPathComponent().appendingPathComponent("data-\(UUID().uuidString)")
        defer {
            try? FileManager.default.removeItem(at: run.url)
            try? FileManager.default.removeItem(at: folder)
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var random = SystemRandomNumberGenerator()
        let rows = (0..<200).map { _ in (0..<3).map { _ in String(Double.random(in: -2...2, using: &random)) }.joined(separator: ",") }
        try (rows.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("train.csv"), atomically: true, encoding: .utf8)
        try (rows.prefix(20).joined(separator: "\n") + "\n1e30,1e30,1e30\n").write(
            to: folder.appendingPathComponent("validation.csv"), atomically: true, encoding: .utf8)
        let text = """
            {"data": {"kind": "csv", "train": "\(folder.path)/train.csv", "validation": "\(folder.path)/validation.csv"},
             "model": {"kind": "maf", "layers": 2, "hidden": 16},
             "train": {"steps": 40, "batchSize": 32, "evalEvery": 20, "checkpointEvery": 20, "logEvery": 10}}
            """
        let warnings = Mutex<[String]>([])
        var options = Self.quiet
        options.warn = { message in warnings.withLock { $0.append(message) } }
        let device = try DeviceRegistry.device(named: "cpu")
        let summary = try Trainer(config: Self.config(text), run: run, device: device, options: options).train()
        #expect(summary.step == 40)
        let evaluations = run.readMetrics().filter { $0["event"] == .string("eval") }
        #expect(evaluations.count == 2)
        for line in evaluations {
            #expect(line["validationNLL"] == .null)
            guard case let .object(flags)? = line["nonFinite"], case let .string(value)? = flags["validationNLL"] else {
                Issue.record("no nonFinite flag in \(line)")
                continue
            }
            #expect(["nan", "inf", "-inf"].contains(value))
        }
        #expect(warnings.withLock { $0.filter { $0.contains("validation NLL is") }.count } == 2)
        #expect(!FileManager.default.fileExists(atPath: run.bestModel.path))
        #expect(summary.testModel == "newest checkpoint (step 40)")
        var resume = options
        resume.resume = true
        resume.stepsOverride = 60
        #expect(try Trainer(config: nil, run: run, device: device, options: resume).train().step == 60)
    }
}
