import Foundation

/// The files of a training run, all in one folder:
/// `config.json` (the resolved config), `metrics.jsonl`, `checkpoints/`, `best.safetensors`
/// (+ `best.json`), the pictures (`loss.svg`, `samples.svg`, `density.svg`), and `.lock`, held
/// by the one `flowkit train` working on it.
public struct RunDirectory: Sendable {
    public let url: URL

    public init(_ path: String) { url = URL(fileURLWithPath: path) }

    public var config: URL { url.appendingPathComponent("config.json") }
    public var metrics: URL { url.appendingPathComponent("metrics.jsonl") }
    public var bestModel: URL { url.appendingPathComponent("best.safetensors") }
    public var bestManifest: URL { url.appendingPathComponent("best.json") }
    public var lockFile: URL { url.appendingPathComponent(".lock") }
    public func picture(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Whether a run was already started here (a saved config or any checkpoint).
    public var holdsRun: Bool {
        FileManager.default.fileExists(atPath: config.path)
            || FileManager.default.fileExists(atPath: url.appendingPathComponent("checkpoints").path)
    }

    /// The resolved config saved when the run started, validated like any config; keys it lacks
    /// mean what they did before they existed (`ConfigDefaults.savedRun`).
    public func savedConfig() throws -> TrainingConfig {
        guard FileManager.default.fileExists(atPath: config.path) else {
            throw ConfigError(key: "", "no config.json in run directory \(url.path): it holds no run (train one with `flowkit train --run-dir \(url.path)`)")
        }
        let data = try FileAccess.read(config.path, what: "saved config")
        do {
            return try TrainingConfig.parse(data, defaults: .savedRun)
        } catch let error as ConfigError {
            throw ConfigError(
                key: error.key,
                "\(error.message) (in the run's saved config \(config.path), which is damaged: restore it, or train in a new run directory)")
        }
    }

    public func create(with resolved: TrainingConfig) throws {
        try FileAccess.makeFolder(url.path, what: "run directory")
        try AtomicFile.write(resolved.encoded(), to: config)
    }

    /// Appends one JSON object per line; non-finite numbers are written as `MetricRecord` says.
    public func appendMetric(_ object: [String: JSONValue]) throws {
        var line = try MetricRecord.encode(object)
        line.append(UInt8(ascii: "\n"))
        let descriptor = open(metrics.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw FileError.system("cannot append to", metrics.path, errno: errno) }
        defer { close(descriptor) }
        try FileAccess.writeAll(descriptor, line, path: metrics.path, action: "cannot append to")
    }

    /// After a resume from `step`: drops metric lines the interrupted run wrote past that step,
    /// so the file reads as one uninterrupted run. The end-of-run `test` line goes too: the
    /// resumed run evaluates the test set again when it ends.
    public func truncateMetrics(after step: Int) throws {
        guard FileManager.default.fileExists(atPath: metrics.path) else { return }
        let text = String(decoding: try FileAccess.read(metrics.path, what: "metrics file"), as: UTF8.self)
        let kept = text.split(separator: "\n").filter { line in
            guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(line.utf8)),
                case let .object(object) = value, case let .number(lineStep)? = object["step"],
                object["event"] != .string("test")
            else { return false }
            return lineStep <= Double(step)
        }
        try AtomicFile.write(Data((kept.joined(separator: "\n") + (kept.isEmpty ? "" : "\n")).utf8), to: metrics)
    }

    /// Every metric line, parsed (for pictures and tests).
    public func readMetrics() -> [[String: JSONValue]] {
        guard let data = FileManager.default.contents(atPath: metrics.path), let text = String(data: data, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard case let .object(object)? = try? JSONDecoder().decode(JSONValue.self, from: Data(line.utf8)) else { return nil }
            return object
        }
    }
}
