import FlowRuntime
import Foundation
import Testing

@testable import FlowTraining

/// Models shared by concurrent requests: many concurrent log-density and sampling calls on one
/// loaded model give exactly the serial answers; the cache reuses, reloads and evicts.
@Suite(.serialized) struct InferenceConcurrencyTests {
    static func trainedRun(_ model: String, name: String) throws -> RunDirectory {
        let run = RunDirectory(FileManager.default.temporaryDirectory.appendingPathComponent("flowkit-inference-\(name)-\(UUID().uuidString)").path)
        let config = try TrainingConfig.parse(
            Data(
                """
                {"data": {"kind": "toy", "name": "moons", "evaluationSize": 200},
                 "model": \(model),
                 "train": {"steps": 30, "batchSize": 64, "evalEvery": 15, "checkpointEvery": 15, "seed": 4}}
                """.utf8))
        var options = Trainer.Options()
        options.log = { _ in }
        options.warn = { _ in }
        _ = try Trainer(config: config, run: run, device: DeviceRegistry.device(named: "cpu"), options: options).train()
        return run
    }

    /// MAF (its MADE caches degree-ordered weights inside the flow) on the CPU and on OpenCL.
    @Test(arguments: ["cpu", "opencl"])
    func concurrentRequestsGetTheSerialAnswers(deviceName: String) async throws {
        guard deviceName == "cpu" || DeviceRegistry.hasOpenCL else { try Test.cancel("no OpenCL device on this machine") }
        let device = try DeviceRegistry.device(named: deviceName)
        let run = try Self.trainedRun(#"{"kind": "maf", "layers": 2, "hidden": 16}"#, name: "maf")
        defer { try? FileManager.default.removeItem(at: run.url) }
        let model = try InferenceModel(run: run, device: device) { _ in }
        let rows: [[Float]] = (0..<37).map { index in
            let first = Float(index) * 0.1 - 1.5
            let second = Float(index % 5) * 0.3 - 0.5
            return [first, second]
        }
        var serialLogProb: [[Float]] = []
        var serialSamples: [[Float]] = []
        for request in 0..<8 {
            serialLogProb.append(try await model.logProbabilities(rows: Array(rows.prefix(5 + request * 4)), name: "request"))
            serialSamples.append(try await model.samples(20 + request, seed: UInt64(request), temperature: request % 2 == 0 ? 1 : 0.7))
        }
        let answers = try await withThrowingTaskGroup(of: (Int, Bool, [Float]).self) { group in
            for index in 0..<64 {
                let request = index % 8
                let isSample = index % 3 == 0
                group.addTask {
                    if isSample {
                        return (request, true, try await model.samples(20 + request, seed: UInt64(request), temperature: request % 2 == 0 ? 1 : 0.7))
                    }
                    return (request, false, try await model.logProbabilities(rows: Array(rows.prefix(5 + request * 4)), name: "request"))
                }
            }
            var collected: [(Int, Bool, [Float])] = []
            for try await answer in group { collected.append(answer) }
            return collected
        }
        #expect(answers.count == 64)
        for (request, isSample, values) in answers {
            #expect(values == (isSample ? serialSamples[request] : serialLogProb[request]), "request \(request), sample \(isSample)")
        }
        #expect(serialLogProb.allSatisfy { $0.allSatisfy(\.isFinite) })
    }

    @Test func rowsOfTheWrongWidthAreRefused() async throws {
        let run = try Self.trainedRun(#"{"kind": "realnvp", "layers": 2, "hidden": 8}"#, name: "width")
        defer { try? FileManager.default.removeItem(at: run.url) }
        let model = try InferenceModel(run: run, device: DeviceRegistry.device(named: "cpu")) { _ in }
        await #expect(throws: DataError.self) { _ = try await model.logProbabilities(rows: [[1, 2], [1, 2, 3]], name: "body") }
        await #expect(throws: DataError.self) { _ = try await model.logProbabilities(rows: [[1, .nan]], name: "body") }
    }

    @Test func theCacheReusesReloadsAndEvicts() async throws {
        let first = try Self.trainedRun(#"{"kind": "realnvp", "layers": 2, "hidden": 8}"#, name: "cache-a")
        let second = try Self.trainedRun(#"{"kind": "realnvp", "layers": 2, "hidden": 8}"#, name: "cache-b")
        defer {
            try? FileManager.default.removeItem(at: first.url)
            try? FileManager.default.removeItem(at: second.url)
        }
        let cache = ModelCache(capacity: 1, device: try DeviceRegistry.device(named: "cpu"))
        let a = try await cache.model(for: first)
        #expect(try await cache.model(for: first) === a)
        _ = try await cache.model(for: second)
        #expect(await cache.count == 1)
        #expect(try await cache.model(for: first) !== a, "evicted, so loaded again")
        // A changed evaluation model (a new best) is loaded again even when cached.
        let reloaded = try await cache.model(for: first)
        var manifest = try Data(contentsOf: first.bestManifest)
        manifest.append(contentsOf: Array(" ".utf8))
        try manifest.write(to: first.bestManifest)
        #expect(try await cache.model(for: first) !== reloaded)
    }
}
