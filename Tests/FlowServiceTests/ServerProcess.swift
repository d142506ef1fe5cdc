import Foundation
import Testing

/// A `flowkit serve` started as a user would start it, on `--port 0` with its own state
/// directory; the port comes from its first line of standard output.
final class ServerProcess {
    let process = Process()
    let port: Int
    let stateDirectory: String
    let stderrPath: String
    private let output: Pipe

    static func binary() throws -> String {
        let bundle = Bundle.main.bundleURL
        let candidates = [bundle.appendingPathComponent("flowkit").path, bundle.deletingLastPathComponent().appendingPathComponent("flowkit").path]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw HTTPTestClient.Failure(description: "flowkit binary not found next to the test bundle (looked at \(candidates))")
        }
        return found
    }

    /// A fresh temporary folder.
    static func temporaryDirectory(_ name: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("flowkit-service-\(name)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    init(stateDirectory: String, arguments: [String] = [], environment: [String: String?] = [:]) throws {
        self.stateDirectory = stateDirectory
        stderrPath = stateDirectory + ".stderr-\(UUID().uuidString.prefix(8)).log"
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: try Self.binary())
        process.arguments = ["serve", "--port", "0", "--state-dir", stateDirectory] + arguments
        var variables = ProcessInfo.processInfo.environment
        variables["FLOWKIT_TOKEN"] = nil
        for (key, value) in environment { variables[key] = value }
        process.environment = variables
        output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        try process.run()
        // The first line: "listening on http://127.0.0.1:PORT".
        var line = Data()
        let handle = output.fileHandleForReading
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("listening on http://127.0.0.1:"),
            let port = Int(text.split(separator: ":").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "")
        else {
            process.waitUntilExit()
            let stderr = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
            throw HTTPTestClient.Failure(description: "flowkit serve did not start: stdout '\(text)', stderr: \(stderr)")
        }
        self.port = port
    }

    func client(token: String? = nil) -> HTTPTestClient { HTTPTestClient(port: port, token: token) }

    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Sends `signal` and waits for the exit; returns the termination status.
    @discardableResult
    func stop(_ signal: Int32 = SIGTERM, timeout: Double = 60) -> Int32 {
        if process.isRunning { kill(process.processIdentifier, signal) }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// Polls until `condition` holds or `timeout` seconds pass; returns whether it held.
func eventually(timeout: Double, every interval: Double = 0.1, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return true }
        usleep(UInt32(interval * 1e6))
    }
    return try condition()
}
