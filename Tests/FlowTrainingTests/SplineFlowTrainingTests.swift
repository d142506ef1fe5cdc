import FlowLayers
import FlowRuntime
import Foundation
import Testing

@testable import FlowTraining

/// `model.kind: "nsf"` and `"nsf-ar"` through the trainer: they learn, and a stopped run resumes
/// bit for bit (the same checks `TrainerTests` makes for realnvp, for the spline family).
@Suite(.serialized) struct SplineFlowTrainingTests {
    static let kinds = ["nsf", "nsf-ar"]

    static func smallConfig(_ kind: String) -> String {
        """
        {"data": {"kind": "toy", "name": "moons", "evaluationSize": 500},
         "model": {"kind": "\(kind)", "layers": 4, "hidden": 16, "bins": 6, "tailBound": 4},
         "train": {"steps": 60, "batchSize": 64, "checkpointEvery": 20, "evalEvery": 30, "logEvery": 10, "seed": 3}}
        """
    }

    /// A short run on the two moons (inside the default tail bound, so every spline acts on the
    /// data) must end well below where it started: the first step's training loss is about the
    /// NLL of the untrained, near-identity flow (measured for nsf: 2.64 nats, then a test NLL of
    /// 1.12; nsf-ar: 2.89, then 1.10).
    @Test(arguments: kinds)
    func shortRunLowersTheLoss(_ kind: String) throws {
        let run = TrainerTests.temporaryRun()
        defer { try? FileManager.default.removeItem(at: run.url) }
        let config = try TrainerTests.config(
            """
            {"data": {"kind": "toy", "name": "moons", "evaluationSize": 2000},
             "model": {"kind": "\(kind)", "layers": 4, "hidden": 32},
             "train": {"steps": 300, "batchSize": 128, "learningRate": 0.003, "evalEvery": 100, "logEvery": 50, "seed": 1}}
            """)
        let trainer = try Trainer(config: config, run: run, device: DeviceRegistry.device(named: "cpu"), options: TrainerTests.quiet)
        let summary = try trainer.train()
        let initial = try run.firstTrainingLoss()
        let test = try #require(summary.test)
        #expect(test.nonFinite == 0)
        #expect(test.nll < initial - 1, "\(kind): test NLL \(test.nll) after 300 steps, first training loss \(initial)")
    }

    /// Stopping at step 35 (a checkpoint is written on stop) and resuming to 60 gives exactly the
    /// parameters of an uninterrupted 60-step run, on every device.
    @Test(arguments: kinds, ["cpu", "opencl"])
    func stopAndResumeIsBitIdentical(_ kind: String, _ deviceName: String) throws {
        guard deviceName == "cpu" || DeviceRegistry.hasOpenCL else { try Test.cancel("no OpenCL device on this machine") }
        let device = try DeviceRegistry.device(named: deviceName)
        // The spline keys come back from the run directory's saved config, not from the caller.
        let runs = try StopAndResume(Self.smallConfig(kind), device: device, stopAt: 35, steps: 60)
        let resumed = runs.resumed
        #expect(runs.resumedFrom == 35)
        #expect(resumed.config.model.kind.rawValue == kind && resumed.config.model.bins == 6 && resumed.config.model.tailBound == 4)
        #expect(try runs.parametersAreIdentical())
        let lastWeight = kind == "nsf" ? "nsf.coupling3.net.layer2.weight" : "nsfar.block3.made.layer2.weight"
        #expect(resumed.flow.parameters.contains { $0.name == lastWeight })
    }

    /// `"affine": true` puts an affine coupling before each spline coupling: its parameters are
    /// saved and restored with the rest, so a stopped run resumes bit for bit on every device.
    @Test(arguments: ["cpu", "opencl"])
    func affineSplineStopAndResumeIsBitIdentical(_ deviceName: String) throws {
        guard deviceName == "cpu" || DeviceRegistry.hasOpenCL else { try Test.cancel("no OpenCL device on this machine") }
        let device = try DeviceRegistry.device(named: deviceName)
        let config = Self.smallConfig("nsf").replacingOccurrences(of: #""tailBound": 4"#, with: #""tailBound": 4, "affine": true"#)
        let runs = try StopAndResume(config, device: device, stopAt: 35, steps: 60)
        #expect(runs.resumedFrom == 35)
        #expect(runs.resumed.config.model.affine == true)
        #expect(try runs.parametersAreIdentical())
        let names = Set(runs.resumed.flow.parameters.map(\.name))
        #expect(names.contains("nsf.coupling3.affine.net.layer2.weight") && names.contains("nsf.coupling3.net.layer2.weight"))
        #expect(runs.resumed.flow.chain.transforms.count == 8)
    }
}
