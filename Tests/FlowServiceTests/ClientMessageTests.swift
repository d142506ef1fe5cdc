import Foundation
import Testing

/// What `flowkit jobs …` and the upload route say when a user gets something wrong: each
/// message names the file or value and says what to do instead.
@Suite(.serialized) struct ClientMessageTests {
    static var config: [String: Any] {
        [
            "data": ["kind": "toy", "name": "banana", "evaluationSize": 200],
            "model": ["kind": "realnvp", "layers": 2, "hidden": 8],
            // A warm-up and a cosine decay: the logged rates span decades.
            "train": ["steps": 60, "batchSize": 32, "learningRate": 0.001, "warmupSteps": 20, "schedule": "cosine", "logEvery": 5, "evalEvery": 60],
        ]
    }

    static func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("client-messages-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test func uploadFormatNamesTheGivenValue() async throws {
        try await InProcessServer.test(try InProcessServer.options("upload-format")) { client, _ in
            let wrong = try await client.request("POST", "/v1/datasets?format=exe", body: TestData.csv(rows: 20))
            #expect(wrong.status == 400)
            #expect(wrong.error?.message == "query parameter 'format' is 'exe', which is not one of csv, npy, idx", "\(wrong.text)")
            let missing = try await client.request("POST", "/v1/datasets", body: TestData.csv(rows: 20))
            #expect(missing.status == 400)
            #expect(missing.error?.message == "query parameter 'format' is required: one of csv, npy, idx", "\(missing.text)")
        }
    }

    @Test func submitNamesTheFileOfABrokenConfigAndSuggestsData() throws {
        let server = try ServerProcess(stateDirectory: try ServerProcess.temporaryDirectory("submit-messages"))
        let environment = ["FLOWKIT_SERVER": "http://127.0.0.1:\(server.port)"]
        let folder = try Self.folder()

        let broken = folder.appendingPathComponent("broken.json")
        try Data(#"{"data": {"kind": "toy",, "name": "banana"}}"#.utf8).write(to: broken)
        let syntax = try ModelAndClientTests.flowkit(["jobs", "submit", broken.path], environment: environment)
        #expect(syntax.status != 0)
        #expect(syntax.stderr.contains("not valid JSON") && syntax.stderr.contains("(in \(broken.path))"), "\(syntax.stderr)")

        let points = folder.appendingPathComponent("points.csv")
        try TestData.csv(rows: 100).write(to: points)
        let local = folder.appendingPathComponent("local.json")
        var config = Self.config
        config["data"] = ["kind": "csv", "train": "points.csv"]
        try JSONSerialization.data(withJSONObject: config).write(to: local)
        let refused = try ModelAndClientTests.flowkit(["jobs", "submit", local.path], environment: environment)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("'data.train'") && refused.stderr.contains("--data \(points.path)"), "\(refused.stderr)")
        // The suggested command works.
        let uploaded = try ModelAndClientTests.flowkit(["jobs", "submit", local.path, "--data", points.path], environment: environment)
        #expect(uploaded.status == 0 && uploaded.stdout.hasPrefix("job-"), "\(uploaded.stderr)")
        server.stop()
    }

    @Test func pngSamplesOfAVectorModelAndLoggedRates() throws {
        let server = try ServerProcess(stateDirectory: try ServerProcess.temporaryDirectory("samples-logs"))
        let client = server.client()
        let environment = ["FLOWKIT_SERVER": "http://127.0.0.1:\(server.port)"]
        let created = try client.post("/v1/jobs", json: ["config": Self.config])
        let id = try #require(created.json["id"] as? String, "\(created.text)")
        #expect(try eventually(timeout: 120) { try client.get("/v1/jobs/\(id)").json["status"] as? String == "succeeded" })

        let folder = try Self.folder()
        let png = folder.appendingPathComponent("x.png")
        let samples = try ModelAndClientTests.flowkit(["jobs", "samples", id, "-n", "4", "--out", png.path], environment: environment)
        #expect(samples.status != 0)
        let stem = png.deletingPathExtension().path
        #expect(samples.stderr.contains("PNG samples are for image models") && samples.stderr.contains("--out \(stem).csv"), "\(samples.stderr)")
        #expect(!FileManager.default.fileExists(atPath: png.path))

        let logs = try ModelAndClientTests.flowkit(["jobs", "logs", id], environment: environment)
        #expect(logs.status == 0, "\(logs.stderr)")
        let rates = logs.stdout.split(separator: "\n").compactMap { line in line.range(of: "  lr ").map { String(line[$0.upperBound...]) } }
        #expect(rates.count >= 10, "\(logs.stdout)")
        #expect(Set(rates).count > 3, "the schedule's rates should differ: \(rates)")
        for rate in rates {
            #expect(rate.wholeMatch(of: /\d\.\d{3}e[-+]\d{2}/) != nil, "'\(rate)' is not in the one format d.ddde±XX")
        }
        server.stop()
    }
}
