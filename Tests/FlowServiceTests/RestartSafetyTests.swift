import Foundation
import Testing

/// The service's core promise: the server can be SIGKILLed at any moment, and a job still ends
/// with exactly the parameters of an uninterrupted run.
@Suite struct RestartSafetyTests {
    static var config: [String: Any] {
        [
            "data": ["kind": "toy", "name": "banana", "evaluationSize": 2000],
            "model": ["kind": "realnvp", "layers": 4, "hidden": 64],
            "train": ["steps": 2000, "batchSize": 256, "checkpointEvery": 20, "evalEvery": 500, "logEvery": 10, "seed": 5],
        ]
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try ServerProcess.binary())
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    /// Pids of processes whose command line mentions `text`.
    static func processes(mentioning text: String) -> [Int32] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap { name -> Int32? in
            guard let pid = Int32(name), let data = FileManager.default.contents(atPath: "/proc/\(name)/cmdline") else { return nil }
            let line = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            return line.contains(text) && line.contains(" train ") ? pid : nil
        }
    }

    @Test func killedServerJobEndsExactlyLikeAnUninterruptedRun() throws {
        let work = try ServerProcess.temporaryDirectory("restart")
        let configFile = "\(work)/config.json"
        try JSONSerialization.data(withJSONObject: Self.config).write(to: URL(fileURLWithPath: configFile))
        let points = "\(work)/points.csv"
        try Data("x,y\n0.1,-1.2\n1.5,0.3\n-0.7,2.2\n0,0\n".utf8).write(to: URL(fileURLWithPath: points))
        // The reference: the same config trained directly, without interruption (alongside).
        let reference = "\(work)/reference"
        let referenceRun = Thread { _ = try? Self.run(["train", configFile, "--run-dir", reference]) }
        referenceRun.start()

        let state = "\(work)/state"
        var server = try ServerProcess(stateDirectory: state)
        let created = try server.client().post("/v1/jobs", json: ["config": Self.config, "name": "restart"])
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.json["id"] as? String)
        let run = try #require(created.json["runDirectory"] as? String)

        // Kill the server twice mid-job, each time after the job logged past a further step.
        var kills = 0
        for target in [400, 1200] {
            let reached = try eventually(timeout: 60, every: 0.02) {
                let job = try server.client().get("/v1/jobs/\(id)").json
                return (job["step"] as? Int ?? 0) >= target || job["status"] as? String == "succeeded"
            }
            #expect(reached, "\(server.stderr)")
            guard try server.client().get("/v1/jobs/\(id)").json["status"] as? String == "running" else { break }
            server.stop(SIGKILL)
            kills += 1
            // The child notices its server died (parent-death signal), checkpoints and exits.
            #expect(eventually(timeout: 30) { Self.processes(mentioning: run).isEmpty }, "trainer outlived its server")
            server = try ServerProcess(stateDirectory: state)
        }
        #expect(kills == 2, "the job finished before the server could be killed twice; the test proves little")
        let succeeded = try eventually(timeout: 120, every: 0.2) {
            try server.client().get("/v1/jobs/\(id)").json["status"] as? String == "succeeded"
        }
        #expect(succeeded, "\(server.stderr)")
        let job = try server.client().get("/v1/jobs/\(id)").json
        #expect(job["step"] as? Int == 2000)
        #expect(job["testNLL"] is Double)
        #expect((job["attempts"] as? Int ?? 0) >= 3)
        let events = try server.client().get("/v1/jobs/\(id)/events?limit=5000").json["events"] as? [[String: Any]] ?? []
        let messages = events.compactMap { ($0["data"] as? [String: Any])?["message"] as? String }
        #expect(messages.filter { $0.contains("server restarted") }.count == kills, "\(messages)")
        #expect(server.stop(SIGTERM) == 0)

        #expect(eventually(timeout: 120) { referenceRun.isFinished })
        for directory in [reference, run] {
            let outcome = try Self.run(["logprob", "--run-dir", directory, "--data", points, "--out", "\(directory)/logprob.csv"])
            #expect(outcome.status == 0, "\(outcome.stderr)")
        }
        let expected = try String(contentsOfFile: "\(reference)/logprob.csv", encoding: .utf8)
        let actual = try String(contentsOfFile: "\(run)/logprob.csv", encoding: .utf8)
        #expect(expected == actual)
        #expect(expected.split(separator: "\n").count == 5)
        let final = "checkpoints/step-00002000.safetensors"
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(reference)/\(final)")) == Data(contentsOf: URL(fileURLWithPath: "\(run)/\(final)")))
    }
}
