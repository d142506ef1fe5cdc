import FlowTraining
import Foundation
import Testing

@testable import FlowService

/// Every route's answers, for every status the OpenAPI document lists (4xx included), checked
/// against the document the server serves: the status is documented, the content type is one
/// it lists, a JSON body validates against its schema and sends no undocumented member. In
/// process; the scheduler is started with the built `flowkit` as the trainer, so a job really
/// trains and the model routes answer.
@Suite struct OpenAPIConformanceTests {
    /// Documented answers no request here can produce, each with the reason.
    static let unreachable: Set<String> = [
        // The job store not answering: the store is a local SQLite file that always answers.
        "GET /readyz 503"
    ]

    @Test func everyRouteAnswersAsDocumented() async throws {
        var options = try InProcessServer.options("conformance")
        let token = "conformance-token-0123456789"
        options.token = token
        options.maxUploadBytes = 20000
        options.executable = try ServerProcess.binary()
        try await InProcessServer.test(options) { anonymous, server in
            let client = anonymous.with(token: token)
            let contract = try OpenAPIContract(json: try await anonymous.get("/openapi.json").body)
            func check(_ reply: HTTPTestClient.Reply, _ method: String, _ template: String, _ status: Int) {
                #expect(reply.status == status, "\(method) \(template): \(reply.status) \(reply.text.prefix(300))")
                let problems = contract.problems(reply, method, template)
                #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
            }
            await server.core.scheduler.start()
            let unknownJob = "job-0000000000000000"
            let unknownData = String(repeating: "0", count: 64)

            // Open routes, and 401 for every guarded one.
            check(try await anonymous.get("/healthz"), "GET", "/healthz", 200)
            check(try await anonymous.get("/readyz"), "GET", "/readyz", 200)
            check(try await anonymous.get("/metrics"), "GET", "/metrics", 200)
            check(try await anonymous.get("/openapi.json"), "GET", "/openapi.json", 200)
            check(try await client.get("/"), "GET", "/", 200)
            for route in server.routes.routes where !["/healthz", "/readyz", "/metrics", "/openapi.json", "/"].contains(route.path) {
                let path = route.path.replacingOccurrences(of: "{id}", with: "job-1111111111111111").replacingOccurrences(of: "{name}", with: "config.json")
                check(try await anonymous.request(route.method, path), route.method, route.path, 401)
            }

            // Data sets.
            let bytes = TestData.csv(rows: 100)
            let created = try await client.request("POST", "/v1/datasets?format=csv&name=p.csv", body: bytes)
            check(created, "POST", "/v1/datasets", 201)
            let dataset = try #require(created.json["id"] as? String)
            check(try await client.request("POST", "/v1/datasets?format=csv", body: bytes), "POST", "/v1/datasets", 200)
            check(try await client.request("POST", "/v1/datasets?format=exe", body: bytes), "POST", "/v1/datasets", 400)
            check(try await client.request("POST", "/v1/datasets?format=csv", body: TestData.csv(rows: 1000)), "POST", "/v1/datasets", 413)
            check(try await client.get("/v1/datasets"), "GET", "/v1/datasets", 200)
            check(try await client.get("/v1/datasets/\(dataset)"), "GET", "/v1/datasets/{id}", 200)
            check(try await client.get("/v1/datasets/NOT_AN_ID"), "GET", "/v1/datasets/{id}", 400)
            check(try await client.get("/v1/datasets/\(unknownData)"), "GET", "/v1/datasets/{id}", 404)
            let spare = try #require(try await client.request("POST", "/v1/datasets?format=csv", body: TestData.csv(rows: 30)).json["id"] as? String)
            check(try await client.request("DELETE", "/v1/datasets/\(spare)"), "DELETE", "/v1/datasets/{id}", 200)
            check(try await client.request("DELETE", "/v1/datasets/NOT_AN_ID"), "DELETE", "/v1/datasets/{id}", 400)
            check(try await client.request("DELETE", "/v1/datasets/\(unknownData)"), "DELETE", "/v1/datasets/{id}", 404)

            // A job that trains to the end.
            let submitted = try await client.post("/v1/jobs", json: ["config": TestData.csvConfig(dataset: dataset, steps: 30), "name": "trained"])
            check(submitted, "POST", "/v1/jobs", 201)
            let trained = try #require(submitted.json["id"] as? String)
            check(try await client.request("DELETE", "/v1/datasets/\(dataset)"), "DELETE", "/v1/datasets/{id}", 409)
            check(try await client.post("/v1/jobs", json: ["config": ["train": ["batchsize": 1]]]), "POST", "/v1/jobs", 400)
            let huge = Data(("{\"config\": \"" + String(repeating: "x", count: 1 << 21) + "\"}").utf8)
            check(try await client.request("POST", "/v1/jobs", body: huge), "POST", "/v1/jobs", 413)
            var finished = false
            for _ in 0..<1200 where !finished {
                finished = try await client.get("/v1/jobs/\(trained)").json["status"] as? String == "succeeded"
                if !finished { try await Task.sleep(for: .milliseconds(100)) }
            }
            let state = try await client.get("/v1/jobs/\(trained)").text
            #expect(finished, "the job did not succeed: \(state)")

            // Jobs: a long one to pause, resume and cancel, and one queued behind it (one slot).
            let long = try #require(try await client.post("/v1/jobs", json: ["config": TestData.longConfig()]).json["id"] as? String)
            var running = false
            for _ in 0..<600 where !running {
                running = try await client.get("/v1/jobs/\(long)").json["status"] as? String == "running"
                if !running { try await Task.sleep(for: .milliseconds(100)) }
            }
            let waiting = try #require(try await client.post("/v1/jobs", json: ["config": TestData.longConfig()]).json["id"] as? String)
            check(try await client.get("/v1/jobs"), "GET", "/v1/jobs", 200)
            check(try await client.get("/v1/jobs?status=sleeping"), "GET", "/v1/jobs", 400)
            for id in [trained, long, waiting] { check(try await client.get("/v1/jobs/\(id)"), "GET", "/v1/jobs/{id}", 200) }
            check(try await client.get("/v1/jobs/NOT_AN_ID"), "GET", "/v1/jobs/{id}", 400)
            check(try await client.get("/v1/jobs/\(unknownJob)"), "GET", "/v1/jobs/{id}", 404)
            // `waiting` is cancelled while still queued, before `long` pauses and frees the slot it
            // waits for: so it never runs, never checkpoints, and has no model (the 409s below).
            for (action, id, status) in [
                ("cancel", waiting, 200), ("cancel", waiting, 409), ("pause", long, 200), ("pause", long, 409), ("resume", long, 200), ("resume", long, 409),
            ] {
                check(try await client.request("POST", "/v1/jobs/\(id)/\(action)"), "POST", "/v1/jobs/{id}/\(action)", status)
            }
            for action in ["cancel", "pause", "resume"] {
                check(try await client.request("POST", "/v1/jobs/NOT_AN_ID/\(action)"), "POST", "/v1/jobs/{id}/\(action)", 400)
                check(try await client.request("POST", "/v1/jobs/\(unknownJob)/\(action)"), "POST", "/v1/jobs/{id}/\(action)", 404)
            }

            // Events, as a page and as a stream (the finished job's ends by itself).
            check(try await client.get("/v1/jobs/\(trained)/events?limit=5000"), "GET", "/v1/jobs/{id}/events", 200)
            check(try await client.get("/v1/jobs/\(trained)/events", headers: ["Accept": "text/event-stream"]), "GET", "/v1/jobs/{id}/events", 200)
            check(try await client.get("/v1/jobs/\(trained)/events?after=x"), "GET", "/v1/jobs/{id}/events", 400)
            check(try await client.get("/v1/jobs/\(unknownJob)/events"), "GET", "/v1/jobs/{id}/events", 404)

            // The model routes: a trained job, one without a model (cancelled before it ran).
            check(try await client.post("/v1/jobs/\(trained)/logprob", json: ["x": [[0.1, 0.2], [1e30, 1e30]]]), "POST", "/v1/jobs/{id}/logprob", 200)
            check(try await client.post("/v1/jobs/\(trained)/logprob", json: ["x": "rows"]), "POST", "/v1/jobs/{id}/logprob", 400)
            check(try await client.post("/v1/jobs/\(unknownJob)/logprob", json: ["x": [[0.1, 0.2]]]), "POST", "/v1/jobs/{id}/logprob", 404)
            check(try await client.post("/v1/jobs/\(waiting)/logprob", json: ["x": [[0.1, 0.2]]]), "POST", "/v1/jobs/{id}/logprob", 409)
            let hugeRows = Data(("{\"x\": [" + Array(repeating: "[0.1,0.2]", count: 1 << 17).joined(separator: ",") + "]}").utf8)
            check(try await client.request("POST", "/v1/jobs/\(trained)/logprob", body: hugeRows), "POST", "/v1/jobs/{id}/logprob", 413)
            let samples = "/v1/jobs/\(trained)/samples"
            for accept in ["application/json", "text/csv", "application/x-npy"] {
                let body = try JSONSerialization.data(withJSONObject: ["n": 3, "seed": 1])
                check(
                    try await client.request("POST", samples, headers: ["Accept": accept, "Content-Type": "application/json"], body: body), "POST",
                    "/v1/jobs/{id}/samples", 200)
            }
            let png = try JSONSerialization.data(withJSONObject: ["n": 3])
            check(try await client.request("POST", samples, headers: ["Accept": "image/png"], body: png), "POST", "/v1/jobs/{id}/samples", 406)
            check(try await client.post(samples, json: ["n": 0]), "POST", "/v1/jobs/{id}/samples", 400)
            check(try await client.post("/v1/jobs/\(unknownJob)/samples", json: ["n": 1]), "POST", "/v1/jobs/{id}/samples", 404)
            check(try await client.post("/v1/jobs/\(waiting)/samples", json: ["n": 1]), "POST", "/v1/jobs/{id}/samples", 409)
            check(try await client.request("POST", samples, body: hugeRows), "POST", "/v1/jobs/{id}/samples", 413)

            // Checkpoints and artifacts.
            for (template, suffix) in [("/v1/jobs/{id}/checkpoints", "checkpoints"), ("/v1/jobs/{id}/artifacts", "artifacts")] {
                check(try await client.get("/v1/jobs/\(trained)/\(suffix)"), "GET", template, 200)
                check(try await client.get("/v1/jobs/NOT_AN_ID/\(suffix)"), "GET", template, 400)
                check(try await client.get("/v1/jobs/\(unknownJob)/\(suffix)"), "GET", template, 404)
            }
            let artifacts = try await client.get("/v1/jobs/\(trained)/artifacts").json["artifacts"] as? [[String: Any]] ?? []
            let names = artifacts.compactMap { $0["name"] as? String }
            #expect(names.count >= 3, "\(names)")
            for name in names { check(try await client.get("/v1/jobs/\(trained)/artifacts/\(name)"), "GET", "/v1/jobs/{id}/artifacts/{name}", 200) }
            check(try await client.get("/v1/jobs/NOT_AN_ID/artifacts/config.json"), "GET", "/v1/jobs/{id}/artifacts/{name}", 400)
            check(try await client.get("/v1/jobs/\(trained)/artifacts/train.log"), "GET", "/v1/jobs/{id}/artifacts/{name}", 404)

            _ = try await client.request("POST", "/v1/jobs/\(long)/cancel")
            await server.core.scheduler.shutdown()
            let missed = contract.documented.subtracting(contract.checked).subtracting(Self.unreachable)
            #expect(missed.isEmpty, "documented answers no request checked: \(missed.sorted())")
        }
    }
}
