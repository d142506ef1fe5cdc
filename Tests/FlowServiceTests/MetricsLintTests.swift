import Foundation
import Testing

/// `/metrics` of a live server, after requests that answered 2xx and 4xx, passes Prometheus's
/// own linter (`promtool check metrics`, from Debian's `prometheus` package, which
/// .ci/install-packages installs), and its request counters agree with each other. Skipped
/// where promtool is absent, except in CI (`CI=true`), where a missing promtool fails.
@Suite struct MetricsLintTests {
    static let promtool: String? = {
        let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"]
        return folders.map { $0 + "/promtool" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()
    static let runnable = promtool != nil || ProcessInfo.processInfo.environment["CI"] == "true"

    /// promtool's exit status and everything it printed, for `text` on its standard input.
    static func lint(_ text: String) throws -> (status: Int32, output: String) {
        guard let promtool else { throw HTTPTestClient.Failure(description: "promtool not found: apt-get install prometheus") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: promtool)
        process.arguments = ["check", "metrics"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: printed, as: UTF8.self))
    }

    /// The samples of one family: the text between the braces → the value.
    static func samples(_ family: String, in text: String) -> [String: Double] {
        var found: [String: Double] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix(family + "{") {
            guard let close = line.lastIndex(of: "}"), let value = Double(line[line.index(after: close)...].trimmingCharacters(in: .whitespaces)) else {
                continue
            }
            found[String(line[line.index(line.startIndex, offsetBy: family.count + 1)..<close])] = value
        }
        return found
    }

    @Test(.enabled(if: runnable, "promtool not found (apt-get install prometheus)"))
    func metricsPassPromtoolAndCountErrorsConsistently() throws {
        let token = "metrics-lint-token-0123456789"
        let server = try ServerProcess(stateDirectory: try ServerProcess.temporaryDirectory("metrics"), environment: ["FLOWKIT_TOKEN": token])
        let client = server.client(token: token)
        let anonymous = server.client()
        var expected: [Int: Int] = [:]
        func send(_ reply: HTTPTestClient.Reply, _ status: Int) {
            #expect(reply.status == status, "\(reply.text)")
            expected[reply.status, default: 0] += 1
        }
        send(try anonymous.get("/healthz"), 200)
        send(try anonymous.get("/metrics"), 200)
        send(try client.get("/v1/jobs"), 200)
        send(try client.request("POST", "/v1/datasets?format=csv&name=points.csv", body: TestData.csv(rows: 50)), 201)
        send(try anonymous.get("/v1/jobs"), 401)
        send(try server.client(token: token + "x").get("/v1/jobs"), 401)
        send(try client.get("/nope"), 404)
        send(try anonymous.get("/nope"), 401)
        send(try client.request("DELETE", "/v1/jobs"), 405)
        send(try client.get("/v1/jobs/NOT_AN_ID"), 400)
        send(try client.request("POST", "/v1/datasets?format=exe", body: Data("x\n1\n".utf8)), 400)
        let scrape = try anonymous.get("/metrics")
        #expect(scrape.status == 200)
        let text = scrape.text
        server.stop()

        let (status, output) = try Self.lint(text)
        #expect(status == 0 && output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "promtool (exit \(status)): \(output)\n\(text)")
        for family in [
            "flowkit_http_requests_total", "flowkit_http_request_errors_total", "flowkit_http_request_duration_seconds", "flowkit_http_active_requests",
        ] {
            #expect(text.contains("# HELP \(family) ") && text.contains("# TYPE \(family) "), "\(family) lacks HELP or TYPE:\n\(text)")
        }

        // Every request before the scrape is counted once, under its status; every 4xx once more
        // among the errors, under the same labels.
        let requests = Self.samples("flowkit_http_requests_total", in: text)
        let errors = Self.samples("flowkit_http_request_errors_total", in: text)
        var counted: [Int: Int] = [:]
        for (labels, value) in requests {
            guard let range = labels.range(of: #"status="\d+""#, options: .regularExpression), let code = Int(labels[range].filter(\.isNumber)) else {
                Issue.record("no status label in \(labels)")
                continue
            }
            counted[code, default: 0] += Int(value)
            #expect(errors[labels] == (code >= 400 ? value : nil), "errors{\(labels)} = \(String(describing: errors[labels])), requests = \(value)")
        }
        #expect(counted == expected, "counted \(counted), sent \(expected)")
        #expect(Set(errors.keys).isSubset(of: Set(requests.keys)), "errors without requests: \(errors)")
        #expect(requests[#"route="/v1/jobs",method="GET",status="401""#] == 2, "\(requests)")
        #expect(requests[#"route="unmatched",method="GET",status="404""#] == 1, "\(requests)")
        // The one request still being answered is the scrape itself.
        #expect(Self.samples("flowkit_http_active_requests", in: text) == [#"method="GET""#: 1, #"method="POST""#: 0, #"method="DELETE""#: 0], "\(text)")
        #expect(Self.samples("flowkit_http_request_duration_seconds_count", in: text).values.reduce(0, +) == Double(expected.values.reduce(0, +)))
    }
}
