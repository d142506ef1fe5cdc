import Foundation
import Testing

/// The dashboard in a real browser (headless Chromium from Debian): a job submitted to the
/// server appears, its progress advances between two looks, and its loss curve is drawn; the
/// chart and pictures of a running job, measured in the browser; and a screenshot. In CI
/// (`CI=true`) a missing Chromium fails these tests; elsewhere they are skipped.
@Suite(.serialized) struct DashboardBrowserTests {
    /// "600 / 600" in the job's progress cell → 600.
    static func shownStep(_ dom: String) -> Int? {
        guard let range = dom.range(of: #"<div class="small">(\d+) / \d+</div>"#, options: .regularExpression) else { return nil }
        return Int(dom[range].drop { !$0.isNumber }.prefix { $0.isNumber })
    }

    /// The page exactly as a user opens it: no `live=` option. Its default live updates must not
    /// hold a request open, or the headless browser's virtual clock waits until the job ends
    /// (the timeout turns that into a failure).
    @Test(.enabled(if: HeadlessChromium.enabled)) func aSubmittedJobAppearsAdvancesAndIsDrawn() throws {
        let server = try ServerProcess(stateDirectory: try ServerProcess.temporaryDirectory("dashboard"))
        let client = server.client()
        let created = try client.post("/v1/jobs", json: ["config": TestData.longConfig(), "name": "browser-job"])
        let id = try #require(created.json["id"] as? String)
        #expect(try eventually(timeout: 60) { (try client.get("/v1/jobs/\(id)").json["step"] as? Int ?? 0) >= 30 })
        let url = "http://127.0.0.1:\(server.port)/#job=\(id)"
        let first = try HeadlessChromium.dom(url, timeout: 60)
        #expect(first.contains("browser-job"), "the job is not listed")
        #expect(first.contains(#"<span class="badge running">running</span>"#))
        #expect(first.contains("<polyline"), "no curve drawn")
        #expect(first.contains("steps/s"), "no rate shown")
        let firstStep = try #require(Self.shownStep(first))
        #expect(try eventually(timeout: 60) { (try client.get("/v1/jobs/\(id)").json["step"] as? Int ?? 0) > firstStep + 20 })
        let second = try HeadlessChromium.dom(url, timeout: 60)
        let secondStep = try #require(Self.shownStep(second))
        #expect(secondStep > firstStep, "progress did not advance: \(firstStep) then \(secondStep)")
        #expect(try client.request("POST", "/v1/jobs/\(id)/cancel").status == 200)
        // #live=stream follows the event stream instead; a finished job's stream ends, so the page settles.
        let streamed = try HeadlessChromium.dom(url + "&live=stream", timeout: 60)
        #expect(streamed.contains(#"<span class="badge cancelled">cancelled</span>"#) && streamed.contains("<polyline"), "\(streamed.suffix(3000))")
        #expect(server.stop() == 0)
    }

    /// 2-D data evaluated (and so drawn) every 100 steps: a job with pictures that change.
    static var picturesConfig: [String: Any] {
        [
            "data": ["kind": "toy", "name": "banana", "evaluationSize": 500],
            "model": ["kind": "realnvp", "layers": 2, "hidden": 8],
            "train": ["steps": 1_000_000, "batchSize": 64, "checkpointEvery": 100, "evalEvery": 100, "logEvery": 10],
        ]
    }

    /// The running job's page, measured by the browser: the chart's layout rules, round ticks,
    /// and the two pictures from one step. Then a screenshot of the page as served (kept in
    /// `FLOWKIT_SCREENSHOT_OUT` when set, to look at).
    @Test(.enabled(if: HeadlessChromium.enabled)) func theChartAndPicturesOfARunningJobAreLaidOutAndFromOneStep() throws {
        let server = try ServerProcess(stateDirectory: try ServerProcess.temporaryDirectory("dashboard-pictures"))
        let client = server.client()
        let created = try client.post("/v1/jobs", json: ["config": Self.picturesConfig, "name": "pictures-job"])
        let id = try #require(created.json["id"] as? String)
        #expect(try eventually(timeout: 90) { (try client.get("/v1/jobs/\(id)").json["step"] as? Int ?? 0) >= 320 }, "\(server.stderr)")

        let url = "http://127.0.0.1:\(server.port)/#job=\(id)"
        let driver = """
            await new Promise(resolve => setTimeout(resolve, 9000));
            const svg = document.getElementById("chart");
            return {
              chart: svg ? measureChart(svg) : null,
              pictures: [...document.querySelectorAll("#pictures img")].map(img => ({name: img.alt, step: img.dataset.step, width: img.naturalWidth})),
              caption: (document.getElementById("picturesStep") || {}).textContent || null,
              facts: (document.getElementById("facts") || {}).textContent || "",
            };
            """
        // The served page, opened from a file so that a script of the test can measure it: its
        // API calls go to the server (fetch prefixed with its origin; Chromium without its
        // same-origin wall; a <base> instead gets the renderer killed by the password manager),
        // and the job is selected as #job=<id> would select it.
        let served = try client.get("/").text
        #expect(served.components(separatedBy: "<head>").count == 2 && served.components(separatedBy: "</body>").count == 2)
        let measuring = "<script>\(ChartLayout.measureScript)</script>\n" + (try HeadlessChromium.driverScript(driver, input: [String: Any]())) + "</body>"
        let redirect = """
            <script>
            { const send = window.fetch.bind(window);
              window.fetch = (url, options) => send(typeof url === "string" && url.startsWith("/") ? "http://127.0.0.1:\(server.port)" + url : url, options); }
            history.replaceState(null, "", "#job=\(id)");
            </script>
            """
        let page = served.replacingOccurrences(of: "</body>", with: measuring).replacingOccurrences(of: "<head>", with: "<head>" + redirect)
        let report = try #require(
            try HeadlessChromium.evaluate(page: page, budget: 12000, flags: ["--disable-web-security", "--window-size=1400,1100"]) as? [String: Any])
        let layout = ChartLayout(report: report["chart"] as Any)
        #expect(layout.problems().isEmpty, "\(layout.problems())")
        let ticks = layout.texts("x-tick").compactMap { Double($0.text) }
        #expect(ticks.count >= 3 && ticks.first == 0, "\(ticks)")
        // Round ticks: equal spacing of 1, 2 or 5 × 10^k.
        let spacing = ticks.count > 1 ? ticks[1] - ticks[0] : 0
        let mantissa = spacing / pow(10, log10(spacing).rounded(.down))
        #expect([1, 2, 5].contains { abs(mantissa - $0) < 1e-9 }, "x ticks \(ticks)")
        #expect(zip(ticks, ticks.dropFirst()).allSatisfy { abs($1 - $0 - spacing) < 1e-9 }, "x ticks \(ticks)")

        let pictures = report["pictures"] as? [[String: Any]] ?? []
        #expect(Set(pictures.compactMap { $0["name"] as? String }) == ["samples.svg", "density.svg"], "\(pictures)")
        let steps = Set(pictures.compactMap { $0["step"] as? String })
        #expect(steps.count == 1, "the pictures shown together are from different steps: \(pictures)")
        #expect(pictures.allSatisfy { ($0["width"] as? Int ?? 0) > 100 }, "a picture did not load: \(pictures)")
        if let step = steps.first {
            #expect(report["caption"] as? String == "pictures at step \(step)")
            #expect((Int(step) ?? 0) >= 300 && (Int(step) ?? 0) % 100 == 0, "pictures at step \(step)")
        }
        #expect((report["facts"] as? String ?? "").contains("newest checkpoint at step"), "\(report["facts"] ?? "")")

        let folder = ProcessInfo.processInfo.environment["FLOWKIT_SCREENSHOT_OUT"] ?? FileManager.default.temporaryDirectory.path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let png = "\(folder)/dashboard-running-\(UUID().uuidString.prefix(8)).png"
        try HeadlessChromium.screenshot(url, to: png, budget: 9000, timeout: 90)
        let image = try Data(contentsOf: URL(fileURLWithPath: png))
        #expect(image.starts(with: [0x89, 0x50, 0x4E, 0x47]) && image.count > 20_000, "screenshot \(png): \(image.count) bytes")
        if ProcessInfo.processInfo.environment["FLOWKIT_SCREENSHOT_OUT"] == nil { try? FileManager.default.removeItem(atPath: png) }

        #expect(try client.request("POST", "/v1/jobs/\(id)/cancel").status == 200)
        #expect(server.stop() == 0)
    }
}
