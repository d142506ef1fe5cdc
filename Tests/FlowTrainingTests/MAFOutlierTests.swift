import FlowLayers
import FlowRuntime
import FlowTestSupport
import Foundation
import Testing

@testable import FlowTraining

/// The model of issue 25: a MAF (3 blocks, 32 hidden units) trained 1,500 steps on a ring of
/// radius 2.5 answered NaN a few radii out, because its unbounded log-scales overflow `exp`
/// after a block and the next block's network then computes `inf − inf`. Trained on the CPU,
/// scored on every device at the issue's points.
@Suite(.serialized) struct MAFOutlierTests {
    static let points: [Float] = [3, 3, 3.5, 3.5, 4, 4, 5, 5, 6, 6, 7, 7, 7.5, 7.5, 8, 8, 10, 0, 0, 0, 2.5, 0]

    static func train(logScale: String, in folder: URL) throws -> RunDirectory {
        let run = RunDirectory(folder.appendingPathComponent("run-\(logScale)").path)
        let config = try TrainerTests.config(
            #"{"data": {"kind": "csv", "train": "\#(folder.path)/train.csv", "validation": "\#(folder.path)/validation.csv"}, "#
                + #""model": {"kind": "maf", "layers": 3, "hidden": 32, "logScale": "\#(logScale)"}, "#
                + #""train": {"steps": 1500, "batchSize": 512, "seed": 0, "evalEvery": 500, "checkpointEvery": 500}}"#)
        _ = try Trainer(config: config, run: run, device: DeviceRegistry.device(named: "cpu"), options: TrainerTests.quiet).train()
        return run
    }

    @Test func theIssuesPointsAreNeverNaN() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flowkit-ring-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let cpu = try DeviceRegistry.device(named: "cpu")
        var random = RandomStream(seed: 25)
        try RingData.csv(count: 20_000, random: &random, on: cpu).write(to: folder.appendingPathComponent("train.csv"), atomically: true, encoding: .utf8)
        try RingData.csv(count: 2_000, random: &random, on: cpu).write(to: folder.appendingPathComponent("validation.csv"), atomically: true, encoding: .utf8)
        let points = ArrayData(shape: [Self.points.count / 2, 2], values: Self.points)

        let unbounded = try Self.train(logScale: "unbounded", in: folder)
        var finite: [String: [Bool]] = [:]
        for device in TestDevices.all.map(\.device) {
            let model = try TrainedModel.load(run: unbounded, device: device) { _ in }
            let answers = try model.logProbabilities(points, on: device)
            let finiteOrMinusInfinity = answers.allSatisfy { $0.isFinite || $0 == -.infinity }
            #expect(finiteOrMinusInfinity, "\(device.info.selector): \(answers)")
            #expect(answers[9].isFinite && answers[10].isFinite, "points on the ring: \(answers)")
            finite[device.info.selector] = answers.map(\.isFinite)
            if device.info.kind == .cpu {
                // The case is the issue's: the plain forward pass gives NaN for some of these.
                let x = try Tensor(Self.points, shape: [Self.points.count / 2, 2], on: device)
                let plain = try model.flow.transform(x)
                let unguarded = try model.flow.base.logProb(plain.output, context: nil).adding(plain.logDet).toArray()
                let overflows = unguarded.contains { $0.isNaN }
                #expect(overflows, "the unbounded MAF no longer overflows here: \(unguarded)")
            }
        }
        for (selector, classes) in finite { #expect(classes == finite["cpu"], "\(selector) and cpu disagree on which points are −inf") }

        // With the bounded log-scale every one of these points has a finite log-density.
        let bounded = try Self.train(logScale: "tanh", in: folder)
        for device in TestDevices.all.map(\.device) {
            let model = try TrainedModel.load(run: bounded, device: device) { _ in }
            let answers = try model.logProbabilities(points, on: device)
            let allFinite = answers.allSatisfy(\.isFinite)
            #expect(allFinite, "\(device.info.selector): \(answers)")
        }
    }
}
