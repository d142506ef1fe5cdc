import Foundation
import Testing

/// A finished job's model over HTTP (`/logprob`, `/samples`: the same numbers as the CLI on the
/// job's run directory, also under many concurrent requests), the dashboard page, and the two
/// clients (`flowkit jobs …` and `clients/python`) against a running server.
@Suite(.serialized) struct ModelAndClientTests {
    static var config: [String: Any] {
        [
            "data": ["kind": "toy", "name": "banana", "evaluationSize": 500],
            "model": ["kind": "realnvp", "layers": 2, "hidden": 16],
            "train": ["steps": 120, "batchSize": 64, "checkpointEvery": 40, "evalEvery": 40, "logEvery": 10, "seed": 2],
        ]
    }

    static func finishedJob(_ client: HTTPTestClient) throws -> String {
        let created = try client.post("/v1/jobs", json: ["config": config, "name": "model-routes"])
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.json["id"] as? String)
        #expect(try eventually(timeout: 120) { try client.get("/v1/jobs/\(id)").json["status"] as? String == "succeeded" })
        return id
    }

    static func flowkit(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try ServerProcess.binary())
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let (out, err) = (Pipe(), Pipe())
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    @Test func logprobAndSamplesMatchTheCLI() throws {
        let state = try ServerProcess.temporaryDirectory("models")
        let server = try ServerProcess(stateDirectory: state)
        let client = server.client()
        let id = try Self.finishedJob(client)
        let run = "\(state)/jobs/\(id)/run"
        let points = FileManager.default.temporaryDirectory.appendingPathComponent("points-\(UUID().uuidString).csv")
        try "0.5,1\n-2,3.25\n4,-1\n1e30,1e30\n".write(to: points, atomically: true, encoding: .utf8)
        let out = points.deletingPathExtension().appendingPathExtension("out.csv")
        let cli = try Self.flowkit(["logprob", "--run-dir", run, "--data", points.path, "--out", out.path])
        #expect(cli.status == 0, "\(cli.stderr)")
        let expected = try String(contentsOf: out, encoding: .utf8).split(separator: "\n").dropFirst().map(String.init)

        let json = try client.post("/v1/jobs/\(id)/logprob", json: ["x": [[0.5, 1], [-2, 3.25], [4, -1], [1e30, 1e30]]])
        #expect(json.status == 200, "\(json.text)")
        let values = json.json["logProb"] as? [Any] ?? []
        #expect(values.count == 4)
        for (value, line) in zip(values.prefix(3), expected.prefix(3)) {
            #expect((value as? Double).map { Float($0) } == Float(line), "\(value) vs \(line)")
        }
        #expect(values[3] is NSNull)
        #expect((json.json["nonFinite"] as? [String: String])?["3"] == expected[3])
        let csv = try client.request("POST", "/v1/jobs/\(id)/logprob", headers: ["Content-Type": "text/csv"], body: Data("0.5,1\n-2,3.25\n".utf8))
        #expect((csv.json["logProb"] as? [Double])?.map { Float($0) } == expected.prefix(2).compactMap { Float($0) }, "\(csv.text)")
        let wide = try client.post("/v1/jobs/\(id)/logprob", json: ["x": [[1, 2, 3]]])
        #expect(wide.status == 400 && wide.error?.message.contains("row 1 has 3 values, the model expects 2") == true, "\(wide.text)")

        let sampleFile = points.deletingPathExtension().appendingPathExtension("samples.csv")
        let sampled = try Self.flowkit(["sample", "--run-dir", run, "-n", "5", "--seed", "7", "--temperature", "0.8", "--out", sampleFile.path])
        #expect(sampled.status == 0, "\(sampled.stderr)")
        let answer = try client.request(
            "POST", "/v1/jobs/\(id)/samples", headers: ["Accept": "text/csv", "Content-Type": "application/json"],
            body: Data(#"{"n": 5, "seed": 7, "temperature": 0.8}"#.utf8))
        #expect(answer.status == 200)
        #expect(answer.text == (try String(contentsOf: sampleFile, encoding: .utf8)), "\(answer.text)")
        let npy = try client.request("POST", "/v1/jobs/\(id)/samples", headers: ["Accept": "application/x-npy"], body: Data(#"{"n": 3}"#.utf8))
        #expect(npy.body.prefix(6) == Data([0x93] + Array("NUMPY".utf8)))
        #expect(try client.request("POST", "/v1/jobs/\(id)/samples", headers: ["Accept": "image/png"], body: Data(#"{"n": 3}"#.utf8)).status == 406)
        #expect(try client.post("/v1/jobs/\(id)/samples", json: ["n": 0]).status == 400)
        #expect(try client.post("/v1/jobs/\(id)/samples", json: ["n": 2, "colour": 1]).status == 400)

        // Many concurrent requests on one model: every answer equals the serial one.
        let serialSamples = try client.post("/v1/jobs/\(id)/samples", json: ["n": 50, "seed": 3]).text
        let serialLogProb = try client.post("/v1/jobs/\(id)/logprob", json: ["x": [[0.5, 1], [-2, 3.25], [4, -1]]]).text
        let mismatches = Atomic(0)
        DispatchQueue.concurrentPerform(iterations: 24) { index in
            let reply =
                index % 2 == 0
                ? (try? client.post("/v1/jobs/\(id)/samples", json: ["n": 50, "seed": 3]))?.text
                : (try? client.post("/v1/jobs/\(id)/logprob", json: ["x": [[0.5, 1], [-2, 3.25], [4, -1]]]))?.text
            if reply != (index % 2 == 0 ? serialSamples : serialLogProb) { mismatches.add(1) }
        }
        #expect(mismatches.value == 0)
        #expect(server.stop() == 0)
    }

    @Test func dashboardAndClients() throws {
        let server = try ServerProcess(stateDirectory: try ServerProcess.temporaryDirectory("clients"))
        let client = server.client()
        let page = try client.get("/")
        #expect(page.status == 200 && page.headers["content-type"]?.hasPrefix("text/html") == true)
        #expect(page.text.contains("<title>flowkit</title>") && page.text.contains("/v1/jobs"))
        #expect(!page.text.contains("<script src="), "the page must not load scripts from elsewhere")

        let server1 = ["FLOWKIT_SERVER": "http://127.0.0.1:\(server.port)"]
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("jobs-client-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let configFile = folder.appendingPathComponent("config.json")
        try JSONSerialization.data(withJSONObject: Self.config).write(to: configFile)
        let submitted = try Self.flowkit(["jobs", "submit", configFile.path, "--name", "from-cli"], environment: server1)
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let id = submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(id.hasPrefix("job-"), "\(submitted.stdout)")
        let logs = try Self.flowkit(["jobs", "logs", id, "--follow"], environment: server1)
        #expect(logs.status == 0, "\(logs.stderr)")
        #expect(logs.stdout.contains("step 120") && logs.stdout.contains("test NLL"), "\(logs.stdout)")
        // Every event in words, none as raw JSON (checkpoint lines were).
        #expect(logs.stdout.contains("step 120  checkpoint written") && !logs.stdout.split(separator: "\n").contains { $0.hasPrefix("{") }, "\(logs.stdout)")
        let listed = try Self.flowkit(["jobs", "list"], environment: server1)
        #expect(listed.stdout.contains(id) && listed.stdout.contains("succeeded"), "\(listed.stdout)")
        let samples = folder.appendingPathComponent("s.npy")
        let drawn = try Self.flowkit(["jobs", "samples", id, "-n", "4", "--out", samples.path], environment: server1)
        #expect(drawn.status == 0, "\(drawn.stderr)")
        #expect(FileManager.default.fileExists(atPath: samples.path))
        let refused = try Self.flowkit(["jobs", "pause", id], environment: server1)
        #expect(refused.status != 0 && refused.stderr.contains("409"), "\(refused.stderr)")
        let unreachable = try Self.flowkit(["jobs", "list", "--server", "http://127.0.0.1:1"])
        #expect(unreachable.status != 0 && unreachable.stderr.contains("cannot reach the flowkit server"), "\(unreachable.stderr)")

        // The Python client from its source tree (scripts/python-client-test.sh tests it installed
        // by pip, with and without NumPy); here NumPy is used only if python3 has it.
        let clientSource = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("clients/python")
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", clientSource.appendingPathComponent("tests/test_client.py").path]
        python.environment = ProcessInfo.processInfo.environment.merging(server1) { $1 }
            .merging(["PYTHONPATH": clientSource.appendingPathComponent("src").path]) { $1 }
        let pipe = Pipe()
        python.standardOutput = pipe
        python.standardError = pipe
        try python.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        python.waitUntilExit()
        #expect(python.terminationStatus == 0, "\(output)")
        #expect(output.contains("python client: ok"), "\(output)")
        #expect(server.stop() == 0)
    }
}

/// A counter for concurrent test callbacks.
final class Atomic: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var count: Int

    init(_ value: Int) { count = value }

    func add(_ amount: Int) {
        lock.lock()
        count += amount
        lock.unlock()
    }

    var value: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }
}
