import Foundation
import Testing

/// Headless Chromium (Debian's `chromium`) as the dashboard tests drive it: a page's DOM after
/// its scripts ran for a budget of virtual time, or a screenshot. In CI (`CI=true`) the tests
/// that need it run, and fail, without it; elsewhere they are skipped.
enum HeadlessChromium {
    static let browser: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Whether the browser tests run here: with a browser, or in CI (where its absence is a failure).
    static var enabled: Bool { browser != nil || ProcessInfo.processInfo.environment["CI"] == "true" }

    static func require() throws -> String {
        try #require(browser, "CI must have Chromium (apt-get install chromium)")
    }

    struct TimedOut: Error, CustomStringConvertible {
        let url: String
        let seconds: Double
        var description: String { "Chromium did not finish \(url) within \(Int(seconds)) s (a request that never ends holds its virtual clock)" }
    }

    /// Runs Chromium on `url` with `arguments` and returns its standard output; kills it after
    /// `timeout` seconds of real time and throws `TimedOut`.
    static func run(_ url: String, _ arguments: [String], timeout: Double) throws -> String {
        let browser = try require()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: browser)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outputPath = scratch.appendingPathComponent("stdout").path
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        // A file, not a pipe: Chromium's helper processes may keep a pipe open after a kill.
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        defer { try? output.close() }
        process.arguments =
            ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(scratch.appendingPathComponent("profile").path)"]
            + arguments + [url]
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            throw TimedOut(url: url, seconds: timeout)
        }
        return String(decoding: try Data(contentsOf: URL(fileURLWithPath: outputPath)), as: UTF8.self)
    }

    /// The page's DOM after `budget` ms of virtual time (its scripts ran, its fetches answered).
    static func dom(_ url: String, budget: Int = 8000, extra: [String] = [], timeout: Double = 120) throws -> String {
        try run(url, ["--virtual-time-budget=\(budget)", "--dump-dom"] + extra, timeout: timeout)
    }

    /// A PNG of the page after `budget` ms of virtual time, `width`×`height` pixels.
    static func screenshot(_ url: String, to path: String, width: Int = 1400, height: Int = 1100, budget: Int = 8000, timeout: Double = 120) throws {
        _ = try run(url, ["--virtual-time-budget=\(budget)", "--window-size=\(width),\(height)", "--screenshot=\(path)"], timeout: timeout)
    }

    /// A script that runs `driver` (a JavaScript function body, may `await`, returning a JSON
    /// value) with `input` (a JSON value) bound to `input`, and puts what it returned (or threw)
    /// into a `<pre id="result">` for `result(of:)`.
    static func driverScript(_ driver: String, input: Any) throws -> String {
        let inputText = String(decoding: try JSONSerialization.data(withJSONObject: input, options: [.fragmentsAllowed]), as: UTF8.self)
        // Percent-encoded, the input and the result pass through a JS string literal and the dumped DOM unchanged.
        let encoded = inputText.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        return """
            <script>
            (async () => {
              const input = JSON.parse(decodeURIComponent("\(encoded)"));
              let result;
              try { result = {value: await (async () => { \(driver) })()}; } catch (e) { result = {error: String(e && e.stack || e)}; }
              const out = document.createElement("pre");
              out.id = "result";
              out.textContent = encodeURIComponent(JSON.stringify(result));
              document.body.appendChild(out);
            })();
            </script>
            """
    }

    /// What `driverScript` left in the dumped DOM.
    static func result(of dom: String) throws -> Any {
        guard let start = dom.range(of: #"<pre id="result">"#), let end = dom.range(of: "</pre>", range: start.upperBound..<dom.endIndex),
            let text = String(dom[start.upperBound..<end.lowerBound]).removingPercentEncoding,
            case let object as [String: Any] = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        else {
            throw HTTPTestClient.Failure(description: "the page gave no result: \(dom.prefix(2000))")
        }
        if let error = object["error"] { throw HTTPTestClient.Failure(description: "the page's script threw: \(error)") }
        return object["value"] ?? NSNull()
    }

    /// Opens `html` as a local file (with `flags`, extra Chromium switches) and returns the
    /// result its `driverScript` left.
    static func evaluate(page html: String, budget: Int, flags: [String] = []) throws -> Any {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("flowkit-harness-\(UUID().uuidString).html")
        try Data(html.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try result(of: try Self.dom(file.absoluteString, budget: budget, extra: flags))
    }

    /// Runs `driver` in a blank page after `scripts`, with `input` bound to `input`; returns what it returned.
    static func evaluate(scripts: [String], driver: String, input: Any, budget: Int = 4000) throws -> Any {
        let page = """
            <!doctype html><html><head><meta charset="utf-8"></head>
            <body style="margin:0; font: 14px/1.45 system-ui, 'DejaVu Sans', sans-serif">
            \(scripts.map { "<script>\($0)</script>" }.joined(separator: "\n"))
            \(try driverScript(driver, input: input))
            </body></html>
            """
        return try evaluate(page: page, budget: budget)
    }
}
