import FlowLayers
import FlowRuntime
import Foundation
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
        guard deviceName == "cpu" || DeviceRegistry.hasOpenCL else { return }
        let device = try DeviceRegistry.device(named: deviceName)
        let config = try Self.config(Self.smallConfig)
        let straight = Self.temporaryRun()
        let interrupted = Self.temporaryRun()
        defer {
            try? FileManager.default.removeItem(at: straight.url)
            try? FileManager.default.removeItem(at: interrupted.url)
        }
        let reference = try Trainer(config: config, run: straight, device: device, options: Self.quiet)
        _ = try reference.train()
        var firstLeg = Self.quiet
        firstLeg.stepsOverride = 35
        _ = try Trainer(config: config, run: interrupted, device: device, options: firstLeg).train()
        var secondLeg = Self.quiet
        secondLeg.resume = true
        secondLeg.stepsOverride = 60
        let resumed = try Trainer(config: nil, run: interrupted, device: device, options: secondLeg)
        #expect(resumed.state.step == 35)
        _ = try resumed.train()
        #expect(try Self.finalParameters(resumed) == Self.finalParameters(reference))
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
        let config = try Self.config("""
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
    @Test(arguments: ["glow-digits.json", "maf-tabular.json"])
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
}
