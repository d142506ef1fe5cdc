import Foundation
import Testing

/// The dashboard in a real browser (headless Chromium from Debian): a job submitted to the
/// server appears, its progress advances between two looks, and its loss curve is drawn. In CI
/// (`CI=true`) a missing Chromium fails the test; elsewhere it is skipped with a warning.
@Suite(.serialized) struct DashboardBrowserTests {
    static func chromium() -> String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The page's DOM after `budget` ms of virtual time (its scripts ran, its fetches answered).
    static func dom(_ browser: String, _ url: String, budget: Int = 8000) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: browser)
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)").path
        process.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile)", "--virtual-time-budget=\(budget)", "--dump-dom", url,
        ]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: profile)
        return String(decoding: data, as: UTF8.self)
    }

    /// "600 / 600" in the job's progress cell → 600.
    static func shownStep(_ dom: String) -> Int? {
        guard let range = dom.range(of: #"<div class="small">(\d+) / \d+</div>"#, options: .regularExpression) else { return nil }
        return Int(dom[range].drop { !$0.isNumber }.prefix { $0.isNumber })
    }

    @Test func aSubmittedJobAppearsAdvancesAndIsDrawn() throws {
        guard let browser = Self.chromium() else {
            #expect(ProcessInfo.processInfo.environment["CI"] != "true", "CI must have Chromium (apt-get install chromium)")
            print("warning: Chromium not found; the dashboard browser test is skipped")
            return
        }
        let server = try ServerProcess(stateDirectory: try ServerProcess.temporaryDirectory("dashboard"))
        let client = server.client()
        let created = try client.post("/v1/jobs", json: ["config": TestData.longConfig(), "name": "browser-job"])
        let id = try #require(created.json["id"] as? String)
        #expect(try eventually(timeout: 60) { (try client.get("/v1/jobs/\(id)").json["step"] as? Int ?? 0) >= 30 })
        // live=poll: the page reads event pages instead of holding a stream open, which would keep
        // Chromium's virtual clock from ever running out (the stream itself is tested over HTTP).
        let url = "http://127.0.0.1:\(server.port)/#job=\(id)&live=poll"
        let first = try Self.dom(browser, url)
        #expect(first.contains("browser-job"), "the job is not listed")
        #expect(first.contains(#"<span class="badge running">running</span>"#))
        #expect(first.contains("<polyline"), "no curve drawn")
        #expect(first.contains("steps/s"), "no rate shown")
        let firstStep = try #require(Self.shownStep(first))
        #expect(try eventually(timeout: 60) { (try client.get("/v1/jobs/\(id)").json["step"] as? Int ?? 0) > firstStep + 20 })
        let second = try Self.dom(browser, url)
        let secondStep = try #require(Self.shownStep(second))
        #expect(secondStep > firstStep, "progress did not advance: \(firstStep) then \(secondStep)")
        #expect(try client.request("POST", "/v1/jobs/\(id)/cancel").status == 200)
        #expect(server.stop() == 0)
    }
}
