import FlowLayers
import FlowRuntime
import Foundation
import Testing

@testable import FlowTraining

/// `model.logScale` / `model.logScaleBound` for maf and iaf: what an absent key means in a config
/// that starts a run (the new default) and in a run saved before the key existed (unbounded, so
/// old checkpoints keep their meaning) and where the keys are refused. (That the benchmark's MAFs
/// stay unbounded is FlowBenchTests' `WorkloadContractTests`.)
@Suite(.serialized) struct LogScaleConfigTests {
    static func blocks(_ flow: Flow) -> [AutoregressiveAffine] {
        flow.chain.transforms.compactMap { $0 as? MAF }.flatMap(\.blocks) + flow.chain.transforms.compactMap { $0 as? IAF }.flatMap(\.blocks)
    }

    static func build(_ config: TrainingConfig) throws -> Flow {
        let data = try DataLoader.load(config.data, seed: config.train.seed)
        return try ModelBuilder.build(config, data: data, seed: config.train.seed, on: DeviceRegistry.device(named: "cpu"))
    }

    static let mafText = #"{"data": {"kind": "toy", "name": "banana", "evaluationSize": 200}, "model": {"kind": "maf", "layers": 2, "hidden": 8}}"#

    @Test(arguments: ["maf", "iaf"])
    func anAbsentKeyIsTheDefaultInAConfigThatStartsARun(_ kind: String) throws {
        let config = try TrainerTests.config(Self.mafText.replacingOccurrences(of: "\"maf\"", with: "\"\(kind)\""))
        #expect(config.model.logScale == ModelConfig.defaultLogScale)
        let expectedBound = ModelConfig.defaultLogScale == .tanh ? ModelConfig.defaultLogScaleBound : nil
        #expect(config.model.logScaleBound == expectedBound)
        let flow = try Self.build(config)
        let expected: LogScaleBound = ModelConfig.defaultLogScale == .tanh ? try .tanh(Float(ModelConfig.defaultLogScaleBound)) : .unbounded
        let blocks = Self.blocks(flow)
        let asExpected = blocks.allSatisfy { $0.logScaleBound == expected }
        #expect(blocks.count == 2 && asExpected)
        // The resolved config states it, so a saved config reads back the same whatever the defaults.
        let encoded = String(decoding: try config.encoded(), as: UTF8.self)
        #expect(encoded.contains("\"logScale\""))
        #expect(try TrainingConfig.parse(config.encoded(), defaults: .savedRun) == config)
    }

    @Test func explicitValuesAreKept() throws {
        let tanh = try TrainerTests.config(
            Self.mafText.replacingOccurrences(of: "\"hidden\": 8", with: #""hidden": 8, "logScale": "tanh", "logScaleBound": 1.5"#))
        #expect(tanh.model.logScale == .tanh && tanh.model.logScaleBound == 1.5)
        let bound = try LogScaleBound.tanh(1.5)
        let tanhBlocks = Self.blocks(try Self.build(tanh)).allSatisfy { $0.logScaleBound == bound }
        #expect(tanhBlocks)
        let unbounded = try TrainerTests.config(Self.mafText.replacingOccurrences(of: "\"hidden\": 8", with: #""hidden": 8, "logScale": "unbounded""#))
        #expect(unbounded.model.logScale == .unbounded && unbounded.model.logScaleBound == nil)
        let unboundedBlocks = Self.blocks(try Self.build(unbounded)).allSatisfy { $0.logScaleBound == .unbounded }
        #expect(unboundedBlocks)
    }

    /// Keys that cannot apply are errors naming the key, not silently ignored.
    @Test func theKeysAreRefusedWhereTheyDoNotApply() throws {
        let cases: [(String, String, String)] = [
            (#""kind": "realnvp", "logScale": "tanh""#, "model.logScale", "applies only to model.kind maf or iaf"),
            (#""kind": "vae", "logScaleBound": 2"#, "model.logScaleBound", "applies only to model.kind maf or iaf"),
            (#""kind": "maf", "logScale": "unbounded", "logScaleBound": 2"#, "model.logScaleBound", "applies only with model.logScale \"tanh\""),
            (#""kind": "iaf", "logScaleBound": 0"#, "model.logScaleBound", "must be in 0.01...50.0"),
            (#""kind": "maf", "logScale": "softplus""#, "model.logScale", "'softplus' is not one of unbounded, tanh"),
        ]
        for (model, key, message) in cases {
            let text = #"{"data": {"kind": "toy", "name": "banana"}, "model": {"# + model + "}}"
            #expect {
                _ = try TrainerTests.config(text)
            } throws: { error in
                guard let error = error as? ConfigError else { return false }
                return error.key == key && error.message.contains(message)
            }
        }
    }

    /// A run saved before the key existed: its config.json has no `logScale`. It must load as the
    /// unbounded MAF it was trained as, give the same log-densities as before, and resume from the
    /// file it was started with (which lacks the key too) without being told the configs differ.
    @Test func aRunSavedWithoutTheKeyKeepsItsMeaning() throws {
        let run = TrainerTests.temporaryRun()
        let file = run.url.deletingLastPathComponent().appendingPathComponent("legacy-\(UUID().uuidString).json")
        defer {
            try? FileManager.default.removeItem(at: run.url)
            try? FileManager.default.removeItem(at: file)
        }
        let device = try DeviceRegistry.device(named: "cpu")
        let explicit = Self.mafText.replacingOccurrences(
            of: "\"hidden\": 8}",
            with: #""hidden": 8, "logScale": "unbounded"}, "train": {"steps": 30, "batchSize": 64, "checkpointEvery": 30, "evalEvery": 30}"#)
        _ = try Trainer(config: TrainerTests.config(explicit), run: run, device: device, options: TrainerTests.quiet).train()
        let points = ArrayData(shape: [4, 2], values: [0, 0, 1, -2, 30, 5, -4, 12])
        let before = try TrainedModel.load(run: run, device: device) { _ in }.logProbabilities(points, on: device)

        // Make it a run from before the key: drop it from the saved config.
        var saved = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: run.config)) as? [String: Any])
        var model = try #require(saved["model"] as? [String: Any])
        model["logScale"] = nil
        model["logScaleBound"] = nil
        saved["model"] = model
        try JSONSerialization.data(withJSONObject: saved).write(to: run.config)
        let legacy = try run.savedConfig()
        #expect(legacy.model.logScale == .unbounded && legacy.model.logScaleBound == nil)
        let loaded = try TrainedModel.load(run: run, device: device) { _ in }
        let loadedUnbounded = Self.blocks(loaded.flow).allSatisfy { $0.logScaleBound == .unbounded }
        #expect(loadedUnbounded)
        let after = try loaded.logProbabilities(points, on: device)
        #expect(after.map(\.bitPattern) == before.map(\.bitPattern), "\(after) vs \(before)")

        // Resuming with the file the run started from, written before the key existed.
        try Data(explicit.replacingOccurrences(of: #", "logScale": "unbounded""#, with: "").utf8).write(to: file)
        var options = TrainerTests.quiet
        options.resume = true
        options.stepsOverride = 40
        let asNew = try TrainingConfig.load(file.path)
        if asNew.model.logScale != .unbounded {
            // Read as a new run's config, the file asks for another model: refused, as it should be.
            #expect(throws: ConfigError.self) { _ = try Trainer(config: asNew, run: run, device: device, options: options) }
        }
        let resuming = try TrainingConfig.load(file.path, defaults: .resuming(run))
        #expect(resuming.model == legacy.model)
        #expect(try Trainer(config: resuming, run: run, device: device, options: options).train().step == 40)
    }
}
