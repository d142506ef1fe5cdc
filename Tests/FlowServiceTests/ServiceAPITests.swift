import Foundation
import Testing

@testable import FlowService

/// The API in process (`InProcessServer`): probes, the API description, errors, data sets,
/// jobs, the token; and the refusal of `flowkit serve` to listen beyond loopback without one.
@Suite struct ServiceAPITests {
    @Test func probesMetricsAndTheAPIDescription() async throws {
        try await InProcessServer.test(try InProcessServer.options("probes")) { client, server in
            let health = try await client.get("/healthz")
            #expect(health.status == 200 && health.json["status"] as? String == "ok")
            let ready = try await client.get("/readyz")
            #expect(ready.status == 200)
            let devices = (ready.json["devices"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
            #expect(devices == ["cpu"])
            let metrics = try await client.get("/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
            #expect(metrics.text.contains("flowkit_jobs{status=\"queued\"} 0"), "metrics: \(metrics.text)")
            let openAPI = try await client.get("/openapi.json")
            #expect(openAPI.status == 200)
            let paths = openAPI.json["paths"] as? [String: [String: Any]] ?? [:]
            #expect(openAPI.json["openapi"] as? String == "3.0.3")
            // Every route of a server is in the document, with its method, and nothing else is.
            let documented = Set(paths.flatMap { path, operations in operations.keys.map { "\($0.uppercased()) \(path)" } })
            let registered = Set(server.routes.routes.map(\.description))
            #expect(registered == documented, "only registered: \(registered.subtracting(documented)); only documented: \(documented.subtracting(registered))")
            #expect(registered.count >= 18)
        }
    }

    @Test func unknownRoutesAndMethodsAnswerJSON() async throws {
        try await InProcessServer.test(try InProcessServer.options("routes")) { client, _ in
            let missing = try await client.get("/nope")
            #expect(missing.status == 404)
            #expect(missing.error?.code == "not_found")
            #expect(missing.headers["content-type"]?.hasPrefix("application/json") == true)
            let method = try await client.request("DELETE", "/v1/jobs")
            #expect(method.status == 405)
            #expect(method.error?.code == "method_not_allowed")
            #expect(method.headers["allow"] == "GET, POST")
            let badId = try await client.get("/v1/jobs/NOT_AN_ID")
            #expect(badId.status == 400 && badId.error != nil)
            let unknownJob = try await client.get("/v1/jobs/job-0000000000000000")
            #expect(unknownJob.status == 404 && unknownJob.error?.code == "not_found")
        }
    }

    /// Requests the HTTP parser rejects (below the router) still get the JSON error body, and
    /// the server goes on serving. Served on a socket (`.live`): the parser is the server's.
    @Test func malformedHTTPAnswersJSON() async throws {
        let options = try InProcessServer.options("malformed")
        try await InProcessServer.test(options, .live) { router, _ in
            let client = HTTPTestClient(port: try #require(router.client.port))
            let requests: [(String, String)] = [
                ("GARBAGE\r\n\r\n", "request line"),
                ("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", "Content-Length"),
                ("POST /v1/jobs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "chunk size"),
                ("POST /v1/datasets?format=csv HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n8\r\nx,y\n1,2\n\r\nqq\r\n", "upload chunk"),
                ("GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n", "header"),
                ("GET /healthz HTTP/7.5\r\nHost: x\r\n\r\n", "version"),
            ]
            for (request, words) in requests {
                let reply = try client.raw(Data(request.utf8), what: "malformed request (\(words))")
                #expect(reply.status == 400, "\(words)")
                #expect(reply.headers["content-type"]?.hasPrefix("application/json") == true, "\(words)")
                #expect(reply.error?.code == "bad_request", "\(words): \(reply.text)")
                #expect(reply.error?.message.hasPrefix("malformed HTTP request: ") == true, "\(words): \(reply.text)")
                #expect(try await router.get("/healthz").status == 200)
            }
            // The broken upload left nothing behind.
            #expect((try await router.get("/v1/datasets").json["datasets"] as? [Any])?.isEmpty == true)
            let uploads = options.stateDirectory + "/uploads"
            #expect((try? FileManager.default.contentsOfDirectory(atPath: uploads))?.isEmpty ?? true)
            // A well-formed 400 from a route is left as it was.
            let badId = try await router.get("/v1/jobs/NOT_AN_ID")
            #expect(badId.status == 400 && badId.error?.message.contains("job id") == true)
        }
    }

    @Test func datasetUploadsAreValidatedStoredOnceAndDeleted() async throws {
        var options = try InProcessServer.options("datasets")
        options.maxUploadBytes = 20000
        let state = options.stateDirectory
        try await InProcessServer.test(options) { client, _ in
            let data = TestData.csv(rows: 100)
            let created = try await client.request("POST", "/v1/datasets?format=csv&name=points%20a.csv", body: data)
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created.json["id"] as? String)
            #expect(id.count == 64)
            #expect(created.json["shape"] as? [Int] == [100, 2])
            #expect(created.json["name"] as? String == "points a.csv")
            #expect(created.json["ref"] as? String == "dataset:\(id)")
            #expect(FileManager.default.fileExists(atPath: "\(state)/datasets/\(id).csv"))
            let again = try await client.request("POST", "/v1/datasets?format=csv", body: data)
            #expect(again.status == 200 && again.json["id"] as? String == id)
            let listed = try await client.get("/v1/datasets").json["datasets"] as? [[String: Any]]
            #expect(listed?.count == 1)
            #expect(try await client.get("/v1/datasets/\(id)").status == 200)

            let bad = try await client.request("POST", "/v1/datasets?format=csv&name=bad.csv", body: Data("a,b\n1,2\n3,x\n".utf8))
            #expect(bad.status == 400)
            #expect(bad.error?.message.contains("bad.csv: row 3, column 2") == true, "\(bad.text)")
            let badFormat = try await client.request("POST", "/v1/datasets?format=parquet", body: data)
            #expect(badFormat.status == 400)
            let tooLarge = try await client.request("POST", "/v1/datasets?format=csv", body: TestData.csv(rows: 1000))
            #expect(tooLarge.status == 413)
            #expect(tooLarge.error?.code == "payload_too_large")
            #expect((try? FileManager.default.contentsOfDirectory(atPath: "\(state)/uploads"))?.isEmpty == true)
            #expect((try FileManager.default.contentsOfDirectory(atPath: "\(state)/datasets")).count == 1)

            var header = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
            let dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }"
            let padded = dict + String(repeating: " ", count: (64 - (10 + dict.count + 1) % 64) % 64) + "\n"
            header.append(contentsOf: [UInt8(padded.utf8.count & 0xFF), UInt8(padded.utf8.count >> 8)])
            header.append(Data(padded.utf8))
            for value in [Float](arrayLiteral: 1, 2, 3, 4, 5, 6) { withUnsafeBytes(of: value.bitPattern.littleEndian) { header.append(contentsOf: $0) } }
            let npy = try await client.request("POST", "/v1/datasets?format=npy&name=m.npy", body: header)
            #expect(npy.status == 201, "\(npy.text)")
            #expect(npy.json["shape"] as? [Int] == [3, 2])

            let deleted = try await client.request("DELETE", "/v1/datasets/\(id)")
            #expect(deleted.status == 200)
            #expect(try await client.get("/v1/datasets/\(id)").status == 404)
            #expect(!FileManager.default.fileExists(atPath: "\(state)/datasets/\(id).csv"))
        }
    }

    @Test func badJobsAreRefusedWithTheReason() async throws {
        let root = try ServerProcess.temporaryDirectory("root")
        try TestData.csv(rows: 50).write(to: URL(fileURLWithPath: "\(root)/table.csv"))
        var options = try InProcessServer.options("badjobs")
        options.dataRoot = root
        try await InProcessServer.test(options) { client, _ in
            var config = TestData.longConfig()
            config["train"] = ["batchsize": 10]
            let badKey = try await client.post("/v1/jobs", json: ["config": config])
            #expect(badKey.status == 400)
            #expect(badKey.error?.code == "invalid_config")
            #expect(badKey.error?.message.contains("train.batchsize") == true, "\(badKey.text)")

            let outside = try await client.post("/v1/jobs", json: ["config": ["data": ["kind": "csv", "train": "/etc/passwd"]]])
            #expect(outside.status == 400)
            #expect(outside.error?.message.contains("data.train") == true, "\(outside.text)")
            let escape = try await client.post("/v1/jobs", json: ["config": ["data": ["kind": "csv", "train": "../x.csv"]]])
            #expect(escape.status == 400)
            let noDataset = try await client.post("/v1/jobs", json: ["config": ["data": ["kind": "csv", "train": "dataset:abc"]]])
            #expect(noDataset.status == 400)
            #expect(noDataset.error?.message.contains("no uploaded data set") == true)
            let underRoot = try await client.post("/v1/jobs", json: ["config": ["data": ["kind": "csv", "train": "table.csv"], "train": ["steps": 2]]])
            #expect(underRoot.status == 201, "\(underRoot.text)")

            let device = try await client.post("/v1/jobs", json: ["config": TestData.longConfig(), "device": "opencl:7"])
            #expect(device.status == 400 && device.error?.message.contains("not served") == true)
            let unknownKey = try await client.post("/v1/jobs", json: ["config": TestData.longConfig(), "colour": "red"])
            #expect(unknownKey.status == 400)
            let syntax = try await client.request("POST", "/v1/jobs", body: Data("{\"config\": {".utf8))
            #expect(syntax.status == 400 && syntax.error?.message.contains("line 1") == true, "\(syntax.text)")
            let huge = try await client.request("POST", "/v1/jobs", body: Data(("{\"config\": \"" + String(repeating: "x", count: 1 << 21) + "\"}").utf8))
            #expect(huge.status == 413)
            #expect(huge.error?.code == "payload_too_large")
        }
    }

    @Test func refusesToListenBeyondLoopbackWithoutAToken() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try ServerProcess.binary())
        process.arguments = ["serve", "--host", "0.0.0.0", "--port", "0", "--state-dir", try ServerProcess.temporaryDirectory("open")]
        var environment = ProcessInfo.processInfo.environment
        environment["FLOWKIT_TOKEN"] = nil
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = Pipe()
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(text.contains("FLOWKIT_TOKEN") && text.contains("--token-file"), "\(text)")
    }

    @Test func aTokenGuardsTheAPI() async throws {
        let token = "s3cret-token-0123456789"
        var options = try InProcessServer.options("auth")
        options.token = token
        try await InProcessServer.test(options) { client, _ in
            let anonymous = try await client.get("/v1/jobs")
            #expect(anonymous.status == 401 && anonymous.error?.code == "unauthorized")
            let wrong = try await client.with(token: token + "x").get("/v1/jobs")
            #expect(wrong.status == 401)
            let unknownRoute = try await client.get("/v1/nothing")
            #expect(unknownRoute.status == 401)
            #expect(try await client.with(token: token).get("/v1/jobs").status == 200)
            #expect(try await client.get("/healthz").status == 200)
        }
    }
}
