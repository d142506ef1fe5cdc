import FlowLayers
import FlowRuntime
import Foundation
import Testing

@testable import FlowTraining

/// `model.kind: "flowpp"` and `model.dequantization: "variational"` through the config and the
/// trainer: the keys are checked, the model learns, and a stopped run resumes bit for bit.
@Suite(.serialized) struct FlowPlusPlusTrainingTests {
    static func smallConfig(kind: String = "flowpp", dequantization: String = "variational", steps: Int = 24) -> String {
        """
        {"data": {"kind": "digits"},
         "model": {"kind": "\(kind)", "levels": 2, "steps": 1, "hidden": 8, "components": 2,
                   "dequantization": "\(dequantization)", "dequantizerSteps": 1},
         "train": {"steps": \(steps), "batchSize": 32, "learningRate": 0.003, "checkpointEvery": 8, "evalEvery": 12, "logEvery": 4, "seed": 2}}
        """
    }

    @Test func keysAreFilledInAndChecked() throws {
        let flowpp = try TrainerTests.config(#"{"data": {"kind": "digits"}, "model": {"kind": "flowpp"}}"#)
        #expect(flowpp.model.layers == 0 && flowpp.model.hidden == 64 && flowpp.model.levels == 2 && flowpp.model.steps == 4)
        #expect(flowpp.model.components == 4 && flowpp.model.dequantization == nil && flowpp.model.dequantizerSteps == nil)
        #expect(try TrainingConfig.parse(flowpp.encoded()) == flowpp)
        let glow = try TrainerTests.config(#"{"data": {"kind": "digits"}, "model": {"kind": "glow", "dequantization": "variational"}}"#)
        #expect(glow.model.dequantizerSteps == 2 && glow.model.components == 4)
        #expect(try TrainingConfig.parse(glow.encoded()) == glow)
        let refused: [(String, String)] = [
            (#"{"kind": "realnvp", "components": 3}"#, "model.components"),
            (#"{"kind": "flowpp", "dequantizerSteps": 3}"#, "model.dequantizerSteps"),
            (#"{"kind": "glow", "dequantization": "uniform", "dequantizerSteps": 3}"#, "model.dequantizerSteps"),
            (#"{"kind": "flowpp", "components": 0}"#, "model.components"),
            (#"{"kind": "flowpp", "components": 65}"#, "model.components"),
            (#"{"kind": "flowpp", "dequantization": "learned"}"#, "model.dequantization"),
            (#"{"kind": "vae", "dequantization": "variational"}"#, "model.dequantization"),
        ]
        for (model, key) in refused {
            #expect {
                _ = try TrainerTests.config(#"{"data": {"kind": "digits"}, "model": \#(model)}"#)
            } throws: { error in
                (error as? ConfigError)?.key == key
            }
        }
    }

    /// Vector data have nothing to dequantize, and flowpp models images only: both are refused
    /// when the model is built, naming the key.
    @Test func builderRefusesWhatDoesNotApply() throws {
        let device = try DeviceRegistry.device(named: "cpu")
        for (text, key) in [
            (#"{"data": {"kind": "toy", "name": "moons"}, "model": {"kind": "realnvp", "dequantization": "variational"}}"#, "model.dequantization"),
            (#"{"data": {"kind": "toy", "name": "moons"}, "model": {"kind": "flowpp"}}"#, "model.kind"),
        ] {
            let config = try TrainerTests.config(text)
            let data = try DataLoader.load(config.data, seed: 0)
            #expect {
                _ = try ModelBuilder.build(config, data: data, seed: 0, on: device)
            } throws: { error in
                (error as? ConfigError)?.key == key
            }
        }
    }

    /// A short run on the digits: the variational bound falls well below the first steps' loss
    /// (the untrained model with its untrained dequantizer).
    @Test func shortRunLowersTheBound() throws {
        let run = TrainerTests.temporaryRun()
        defer { try? FileManager.default.removeItem(at: run.url) }
        let config = try TrainerTests.config(Self.smallConfig(steps: 150))
        let trainer = try Trainer(config: config, run: run, device: DeviceRegistry.device(named: "cpu"), options: TrainerTests.quiet)
        #expect(trainer.flow.chain.transforms.first is VariationalDequantization)
        let summary = try trainer.train()
        let initial = try run.firstTrainingLoss()
        let test = try #require(summary.test)
        #expect(test.nonFinite == 0)
        #expect(test.nll < initial - 20, "test NLL \(test.nll) nats after 150 steps, first training loss \(initial)")
    }

    /// Stopping at step 10 and resuming to 24 gives exactly the parameters of an uninterrupted
    /// run, dequantizer included, on every device.
    @Test(arguments: ["cpu", "opencl"])
    func stopAndResumeIsBitIdentical(_ deviceName: String) throws {
        guard deviceName == "cpu" || DeviceRegistry.hasOpenCL else { try Test.cancel("no OpenCL device on this machine") }
        let device = try DeviceRegistry.device(named: deviceName)
        let runs = try StopAndResume(Self.smallConfig(), device: device, stopAt: 10, steps: 24)
        let resumed = runs.resumed
        #expect(runs.resumedFrom == 10 && resumed.config.model.kind == .flowpp && resumed.config.model.dequantization == .variational)
        #expect(try runs.parametersAreIdentical())
        #expect(resumed.flow.parameters.contains { $0.name == "dequantize.flow.step0.coupling.net.conv2.weight" })
        #expect(resumed.flow.parameters.contains { $0.name == "flowpp.level1.step0.coupling.net.conv2.weight" })
    }
}
