import Foundation
import Testing

/// A job's step, its events and its checkpoints agree: a trainer stopped between two `train`
/// lines checkpoints at a step no `train` line names, and that step is the job's step, the
/// state event's step and its `checkpointStep` — after a pause, and after its server was killed.
@Suite struct JobStepTests {
    /// Logged rarely (steps 1, 2, 4, …, 4096, then every 5000), checkpointed only when stopped or
    /// every 5000 steps: the stops below land between log lines.
    static var config: [String: Any] {
        [
            "data": ["kind": "toy", "name": "banana", "evaluationSize": 500],
            "model": ["kind": "realnvp", "layers": 2, "hidden": 8],
            "train": ["steps": 1_000_000, "batchSize": 64, "checkpointEvery": 5000, "evalEvery": 1_000_000, "logEvery": 5000],
        ]
    }

    static func checkpointSteps(_ run: String) -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "\(run)/checkpoints")) ?? []
        return names.compactMap { name in
            guard name.hasPrefix("step-"), name.hasSuffix(".json") else { return nil }
            return Int(name.dropFirst(5).dropLast(5))
        }.sorted()
    }

    static func stateEvents(_ client: HTTPTestClient, _ id: String) throws -> [[String: Any]] {
        let events = try client.get("/v1/jobs/\(id)/events?limit=5000").json["events"] as? [[String: Any]] ?? []
        return events.filter { $0["type"] as? String == "state" }.compactMap { $0["data"] as? [String: Any] }
    }

    @Test func pausedAndRestartedJobsReportTheStepOfTheirCheckpoint() throws {
        let state = try ServerProcess.temporaryDirectory("steps")
        var server = try ServerProcess(stateDirectory: state)
        var client = server.client()
        let created = try client.post("/v1/jobs", json: ["config": Self.config, "name": "steps"])
        let id = try #require(created.json["id"] as? String)
        let run = try #require(created.json["runDirectory"] as? String)
        // Past step 512, where logged steps are 512 apart: the stop comes after a stretch of unlogged steps.
        #expect(try eventually(timeout: 90) { (try client.get("/v1/jobs/\(id)").json["step"] as? Int ?? 0) >= 512 }, "\(server.stderr)")
        usleep(300_000)

        let paused = try client.request("POST", "/v1/jobs/\(id)/pause")
        #expect(paused.json["status"] as? String == "paused", "\(paused.text)")
        let newest = try #require(Self.checkpointSteps(run).last)
        #expect(newest > 512, "the pause did not land between log lines (checkpoint \(newest)); the test proves little")
        #expect(paused.json["step"] as? Int == newest, "job step \(paused.json["step"] ?? "") but newest checkpoint \(newest)")
        #expect(paused.json["checkpointStep"] as? Int == newest)
        let listed = try client.get("/v1/jobs/\(id)/checkpoints").json["checkpoints"] as? [[String: Any]] ?? []
        #expect(listed.compactMap { $0["step"] as? Int }.max() == newest)
        let pauseEvent = try #require(try Self.stateEvents(client, id).last)
        #expect(pauseEvent["status"] as? String == "paused")
        #expect(pauseEvent["step"] as? Int == newest && pauseEvent["checkpointStep"] as? Int == newest, "\(pauseEvent)")
        // The trainer reported the checkpoint as an event of its own.
        let metrics = try client.get("/v1/jobs/\(id)/events?limit=5000").json["events"] as? [[String: Any]] ?? []
        #expect(
            metrics.contains {
                ($0["data"] as? [String: Any])?["event"] as? String == "checkpoint" && ($0["data"] as? [String: Any])?["step"] as? Int == newest
            })

        // Resumed, then its server is killed: the trainer checkpoints (parent-death signal) as the
        // server dies, and the restarted server's re-queue event names that checkpoint.
        #expect(try client.request("POST", "/v1/jobs/\(id)/resume").status == 200)
        #expect(
            try eventually(timeout: 60) {
                let job = try client.get("/v1/jobs/\(id)").json
                return job["status"] as? String == "running" && (job["step"] as? Int ?? 0) == newest
            })
        usleep(800_000)
        server.stop(SIGKILL)
        #expect(eventually(timeout: 30) { RestartSafetyTests.processes(mentioning: run).isEmpty }, "trainer outlived its server")
        let afterKill = try #require(Self.checkpointSteps(run).last)
        #expect(afterKill > newest, "no checkpoint when the server died")
        server = try ServerProcess(stateDirectory: state)
        client = server.client()
        let events = try Self.stateEvents(client, id)
        let requeued = try #require(events.last { ($0["message"] as? String ?? "").contains("server restarted") }, "\(events)")
        #expect(requeued["step"] as? Int == afterKill && requeued["checkpointStep"] as? Int == afterKill, "\(requeued), checkpoint \(afterKill)")
        let job = try client.get("/v1/jobs/\(id)").json
        #expect((job["step"] as? Int ?? 0) >= afterKill && (job["checkpointStep"] as? Int ?? 0) >= afterKill, "\(job)")
        #expect(try client.request("POST", "/v1/jobs/\(id)/cancel").status == 200)
        #expect(server.stop() == 0)
    }
}
