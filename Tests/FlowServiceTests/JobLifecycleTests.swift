import Foundation
import Testing

/// Jobs through their states over HTTP: pause, resume, cancel (and the transitions that are
/// refused), listings, events as JSON and as a live stream, checkpoints and artifacts.
@Suite struct JobLifecycleTests {
    static func job(_ client: HTTPTestClient, _ id: String) throws -> [String: Any] {
        try client.get("/v1/jobs/\(id)").json
    }

    @Test func pauseResumeCancelEventsAndArtifacts() throws {
        let server = try ServerProcess(stateDirectory: try ServerProcess.temporaryDirectory("lifecycle"))
        let client = server.client()
        let upload = try client.request("POST", "/v1/datasets?format=csv&name=points.csv", body: TestData.csv(rows: 200))
        let dataset = try #require(upload.json["id"] as? String)
        let created = try client.post("/v1/jobs", json: ["config": TestData.csvConfig(dataset: dataset), "name": "first"])
        #expect(created.status == 201, "\(created.text)")
        #expect(created.headers["location"]?.hasPrefix("/v1/jobs/job-") == true)
        let id = try #require(created.json["id"] as? String)
        #expect(created.json["datasets"] as? [String] == [dataset])
        #expect(created.json["totalSteps"] as? Int == 1_000_000)

        let inUse = try client.request("DELETE", "/v1/datasets/\(dataset)")
        #expect(inUse.status == 409 && inUse.error?.message.contains(id) == true, "\(inUse.text)")

        let started = try eventually(timeout: 60) {
            let job = try Self.job(client, id)
            return job["status"] as? String == "running" && (job["step"] as? Int ?? 0) >= 20
        }
        #expect(started, "\(server.stderr)")
        let running = try Self.job(client, id)
        #expect(running["loss"] is Double)
        #expect(running["startedAt"] is String)

        // A live stream while the job runs.
        let live = try client.stream("/v1/jobs/\(id)/events", headers: ["Accept": "text/event-stream"], timeout: 20) { text in
            text.components(separatedBy: "\nid: ").count > 3
        }
        #expect(live.contains("text/event-stream"))
        #expect(live.contains("event: metric"))

        let paused = try client.request("POST", "/v1/jobs/\(id)/pause")
        #expect(paused.status == 200)
        #expect(paused.json["status"] as? String == "paused", "\(paused.text)")
        let pauseStep = paused.json["step"] as? Int ?? 0
        #expect(try client.request("POST", "/v1/jobs/\(id)/pause").status == 409)
        let checkpoints = try client.get("/v1/jobs/\(id)/checkpoints").json["checkpoints"] as? [[String: Any]] ?? []
        #expect(!checkpoints.isEmpty)
        // The pause wrote a checkpoint at the step it stopped at.
        #expect((checkpoints.first?["step"] as? Int ?? 0) >= pauseStep)

        let resumed = try client.request("POST", "/v1/jobs/\(id)/resume")
        #expect(resumed.status == 200)
        #expect(["queued", "running"].contains(resumed.json["status"] as? String ?? ""))
        #expect(try eventually(timeout: 60) { (try Self.job(client, id)["step"] as? Int ?? 0) > pauseStep + 10 })
        let cancelled = try client.request("POST", "/v1/jobs/\(id)/cancel")
        #expect(cancelled.json["status"] as? String == "cancelled", "\(cancelled.text)")
        #expect(cancelled.json["finishedAt"] is String)
        #expect(try client.request("POST", "/v1/jobs/\(id)/resume").status == 409)
        #expect(try client.request("POST", "/v1/jobs/\(id)/cancel").status == 409)

        // Events: the state changes in order, metric lines between them, each once.
        let page = try client.get("/v1/jobs/\(id)/events?limit=5000").json
        let events = page["events"] as? [[String: Any]] ?? []
        let states = events.filter { $0["type"] as? String == "state" }.compactMap { ($0["data"] as? [String: Any])?["status"] as? String }
        #expect(states == ["queued", "running", "paused", "queued", "running", "cancelled"], "\(states)")
        let keys = events.filter { $0["type"] as? String == "metric" }.compactMap { event -> String? in
            guard let data = event["data"] as? [String: Any] else { return nil }
            return "\(data["event"] ?? ""):\(data["step"] ?? "")"
        }
        #expect(keys.count > 3 && Set(keys).count == keys.count)
        let seqs = events.compactMap { $0["seq"] as? Int }
        #expect(seqs == seqs.sorted())
        let middle = seqs[seqs.count / 2]
        let after = try client.get("/v1/jobs/\(id)/events?after=\(middle)").json["events"] as? [[String: Any]] ?? []
        #expect(after.compactMap { $0["seq"] as? Int } == seqs.filter { $0 > middle })
        // The largest seq JSON carries exactly comes back as that integer; one more is refused.
        let last = try client.get("/v1/jobs/\(id)/events?after=9007199254740991")
        #expect(last.status == 200 && last.text.contains("\"next\":9007199254740991"), "\(last.text.prefix(200))")
        let beyond = try client.get("/v1/jobs/\(id)/events?after=9007199254740992")
        #expect(beyond.status == 400 && beyond.error?.message.contains("'after'") == true)

        // The stream of a finished job resumes after Last-Event-ID and ends by itself.
        let stream = try client.request("GET", "/v1/jobs/\(id)/events", headers: ["Accept": "text/event-stream", "Last-Event-ID": "\(middle)"], timeout: 20)
        #expect(stream.status == 200)
        let ids = stream.text.split(separator: "\n").filter { $0.hasPrefix("id: ") }.compactMap { Int($0.dropFirst(4)) }
        #expect(ids == seqs.filter { $0 > middle }, "\(stream.text.prefix(400))")
        let badLast = try client.request("GET", "/v1/jobs/\(id)/events", headers: ["Accept": "text/event-stream", "Last-Event-ID": "{}"], timeout: 20)
        #expect(badLast.status == 400 && badLast.error?.message.contains("Last-Event-ID") == true)

        // Artifacts by fixed names only.
        let artifacts = try client.get("/v1/jobs/\(id)/artifacts").json["artifacts"] as? [[String: Any]] ?? []
        let names = Set(artifacts.compactMap { $0["name"] as? String })
        #expect(names.isSuperset(of: ["config.json", "metrics.jsonl"]), "\(names)")
        let config = try client.get("/v1/jobs/\(id)/artifacts/config.json")
        #expect(config.status == 200 && config.json["train"] != nil)
        let metrics = try client.get("/v1/jobs/\(id)/artifacts/metrics.jsonl")
        #expect(metrics.status == 200 && metrics.text.contains("\"event\":\"train\""))
        for path in [
            "/v1/jobs/\(id)/artifacts/..%2F..%2Fflowkit.sqlite", "/v1/jobs/\(id)/artifacts/../../flowkit.sqlite", "/v1/jobs/\(id)/artifacts/train.log",
        ] {
            let reply = try client.get(path)
            #expect([400, 404].contains(reply.status) && reply.error != nil, "\(path): \(reply.status)")
        }
        // Cancelled, the job will not run again, but its checkpoints are a model rebuilt from the data set.
        let kept = try client.request("DELETE", "/v1/datasets/\(dataset)")
        #expect(kept.status == 409 && kept.error?.message.contains(id) == true, "\(kept.text)")
        server.stop()
    }

    @Test func aFailingTrainerFailsItsJobWithTheTrainersMessage() throws {
        let server = try ServerProcess(stateDirectory: try ServerProcess.temporaryDirectory("failing"))
        let client = server.client()
        // A valid CSV file whose second column is constant: training refuses it at start.
        var text = "x,y\n"
        for row in 0..<40 { text += "\(Double(row) * 0.1),1\n" }
        let upload = try client.request("POST", "/v1/datasets?format=csv&name=flat.csv", body: Data(text.utf8))
        let dataset = try #require(upload.json["id"] as? String)
        let created = try client.post("/v1/jobs", json: ["config": TestData.csvConfig(dataset: dataset, steps: 10)])
        let id = try #require(created.json["id"] as? String)
        #expect(try eventually(timeout: 60) { try Self.job(client, id)["status"] as? String == "failed" }, "\(server.stderr)")
        let failed = try Self.job(client, id)
        let failure = failed["failure"] as? String ?? ""
        #expect(failure.contains("exited with status 1") && failure.contains("column 2") && failure.contains("constant"), "\(failure)")
        #expect(failed["finishedAt"] is String)
        // The server itself is unaffected; a failed job can be queued again (and fails again).
        #expect(try client.get("/healthz").status == 200)
        #expect(try client.request("POST", "/v1/jobs/\(id)/resume").status == 200)
        #expect(try eventually(timeout: 60) { try Self.job(client, id)["status"] as? String == "failed" })
        #expect(try Self.job(client, id)["attempts"] as? Int == 2)
        server.stop()
    }

    @Test func listingsFilterAndPage() throws {
        let server = try ServerProcess(stateDirectory: try ServerProcess.temporaryDirectory("listing"))
        let client = server.client()
        var ids: [String] = []
        for (name, priority) in [("a", 0), ("b", 0), ("c", 0), ("d", 5)] {
            let reply = try client.post("/v1/jobs", json: ["config": TestData.longConfig(), "name": name, "priority": priority])
            ids.append(try #require(reply.json["id"] as? String))
        }
        // One slot: the first runs, the others wait.
        #expect(try eventually(timeout: 30) { try Self.job(client, ids[0])["status"] as? String == "running" })
        #expect(try Self.job(client, ids[1])["status"] as? String == "queued")
        #expect(try client.request("POST", "/v1/jobs/\(ids[2])/cancel").json["status"] as? String == "cancelled")
        // Higher priority first: d overtakes b when a's slot frees; b gets d's.
        #expect(try client.request("POST", "/v1/jobs/\(ids[0])/pause").json["status"] as? String == "paused")
        #expect(try eventually(timeout: 30) { try Self.job(client, ids[3])["status"] as? String == "running" })
        #expect(try Self.job(client, ids[1])["status"] as? String == "queued")
        #expect(try client.request("POST", "/v1/jobs/\(ids[3])/pause").json["status"] as? String == "paused")
        #expect(try eventually(timeout: 30) { try Self.job(client, ids[1])["status"] as? String == "running" })

        func listed(_ query: String) throws -> (ids: [String], next: String?) {
            let json = try client.get("/v1/jobs\(query)").json
            return ((json["jobs"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }, json["next"] as? String)
        }
        #expect(try listed("").ids == ids.reversed())
        #expect(try listed("?status=queued").ids == [])
        #expect(try listed("?status=cancelled").ids == [ids[2]])
        #expect(try listed("?status=running").ids == [ids[1]])
        #expect(try listed("?status=paused").ids == [ids[3], ids[0]])
        let first = try listed("?limit=2")
        #expect(first.ids == [ids[3], ids[2]] && first.next == ids[2])
        let second = try listed("?limit=2&after=\(ids[2])")
        #expect(second.ids == [ids[1], ids[0]] && second.next == nil)
        #expect(try client.get("/v1/jobs?status=sleeping").status == 400)
        #expect(try client.get("/v1/jobs?limit=0").status == 400)
        #expect(try client.get("/v1/jobs?after=job-ffffffffffffffff").status == 400)

        // A graceful stop puts the running job back in the queue and exits 0.
        #expect(server.stop(SIGTERM) == 0, "\(server.stderr)")
        let again = try ServerProcess(stateDirectory: server.stateDirectory)
        let status = try Self.job(again.client(), ids[1])["status"] as? String
        #expect(status == "queued" || status == "running")
        #expect(try Self.job(again.client(), ids[0])["status"] as? String == "paused")
        let events = try again.client().get("/v1/jobs/\(ids[1])/events?limit=5000").json["events"] as? [[String: Any]] ?? []
        let messages = events.compactMap { ($0["data"] as? [String: Any])?["message"] as? String }
        #expect(messages.contains { $0.contains("server stopping") }, "\(messages)")
        again.stop()
    }
}
