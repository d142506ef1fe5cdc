import Foundation
import Testing

@testable import FlowService

/// `flowkit serve --database`: a job runs to success with its state in PostgreSQL, and each way
/// the store can be wrong stops the server at start-up with a message naming it.
@Suite(.serialized) struct ServeDatabaseTests {
    /// Runs `flowkit serve` expecting it to refuse to start; returns its exit status and standard
    /// error. A server that starts after all is stopped after 30 s (SIGTERM, status 0 if it
    /// stops gracefully), so the test fails on the status instead of hanging.
    static func refusal(_ arguments: [String], environment: [String: String] = [:]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try ServerProcess.binary())
        let state = try ServerProcess.temporaryDirectory("serve-db")
        process.arguments = ["serve", "--port", "0", "--state-dir", state] + arguments
        var variables = ProcessInfo.processInfo.environment
        variables["FLOWKIT_DATABASE_PASSWORD"] = nil
        for (key, value) in environment { variables[key] = value }
        process.environment = variables
        let errors = state + ".stderr"
        _ = FileManager.default.createFile(atPath: errors, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: errors)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        var text = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            text += "\n(still running after 30 s: stopped by the test)"
        }
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test func aBadURLIsRefusedBeforeAnythingOpens() throws {
        let (status, stderr) = try Self.refusal(["--database", "postgresql://flow@db.example"])
        #expect(status != 0 && stderr.contains("no database name"), "\(stderr)")
        let (inURL, secret) = try Self.refusal(["--database", "postgresql://flow:s3cret@db.example/jobs"])
        #expect(inURL != 0 && secret.contains("FLOWKIT_DATABASE_PASSWORD") && !secret.contains("s3cret"), "\(secret)")
        let (orphan, message) = try Self.refusal(["--database-password-file", "/nonexistent"])
        #expect(orphan != 0 && message.contains("--database-password-file needs --database"), "\(message)")
    }

    @Test(.enabled(if: PostgresCluster.enabled)) func anUnreachableServerOrWrongPasswordStopsTheStart() throws {
        let (down, unreachable) = try Self.refusal(["--database", "postgresql://flow@127.0.0.1:1/x?sslmode=disable"])
        #expect(down != 0 && unreachable.contains("unreachable"), "\(unreachable)")
        let cluster = try PostgresCluster.shared.get()
        let database = try cluster.createDatabase()
        let (refused, wrong) = try Self.refusal(["--database", cluster.url(database)], environment: ["FLOWKIT_DATABASE_PASSWORD": "wrong-one"])
        #expect(refused != 0 && wrong.contains("refused the password") && !wrong.contains("wrong-one"), "\(wrong)")
        let file = try ServerProcess.temporaryDirectory("password") + "/password"
        try Data("also-wrong\n".utf8).write(to: URL(fileURLWithPath: file))
        let (fromFile, fileMessage) = try Self.refusal(["--database", cluster.url(database), "--database-password-file", file])
        #expect(fromFile != 0 && fileMessage.contains("refused the password"), "\(fileMessage)")
    }

    /// A job through the whole service with PostgreSQL as its store: submitted, run by a trainer
    /// child, its metrics and states in the store, readiness from the store.
    @Test(.enabled(if: PostgresCluster.enabled)) func aJobRunsToSuccessOnPostgreSQL() async throws {
        let cluster = try PostgresCluster.shared.get()
        let database = try cluster.createDatabase()
        let file = try ServerProcess.temporaryDirectory("password") + "/password"
        try Data((cluster.password + "\n").utf8).write(to: URL(fileURLWithPath: file))
        let server = try ServerProcess(
            stateDirectory: try ServerProcess.temporaryDirectory("serve-postgres"),
            arguments: ["--database", cluster.socketURL(database), "--database-password-file", file])
        defer { server.stop() }
        let client = server.client()
        #expect(try client.get("/readyz").status == 200)
        let (second, busy) = try Self.refusal(["--database", cluster.url(database)], environment: ["FLOWKIT_DATABASE_PASSWORD": cluster.password])
        #expect(second != 0 && busy.contains("another flowkit serve is using the store"), "\(busy)")
        let upload = try client.request("POST", "/v1/datasets?format=csv&name=points.csv", body: TestData.csv(rows: 200))
        let dataset = try #require(upload.json["id"] as? String, "\(upload.text)")
        let created = try client.post("/v1/jobs", json: ["config": TestData.csvConfig(dataset: dataset, steps: 60)])
        let id = try #require(created.json["id"] as? String, "\(created.text)")
        let finished = try eventually(timeout: 120) { try client.get("/v1/jobs/\(id)").json["status"] as? String == "succeeded" }
        #expect(finished, "\(server.stderr)")
        let job = try client.get("/v1/jobs/\(id)").json
        #expect(job["step"] as? Int == 60 && job["loss"] is Double, "\(job)")
        // The same rows, read from the store directly.
        let store = try await cluster.store(database)
        defer { store.close() }
        let stored = try await store.job(id)
        #expect(stored?.status == .succeeded && stored?.step == 60 && stored?.attempts == 1)
        let events = try await store.events(jobId: id, after: 0, limit: 1000)
        #expect(events.contains { $0.metricKey == "train:60" } && events.filter { $0.type == .state }.count >= 3, "\(events.map(\.data))")
    }
}
