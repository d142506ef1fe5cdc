import Foundation

/// The files of a training run, all in one folder:
/// `config.json` (the resolved config), `metrics.jsonl`, `checkpoints/`, `best.safetensors`
/// (+ `best.json`), and the pictures (`loss.svg`, `samples.svg`, `density.svg`).
public struct RunDirectory: Sendable {
    public let url: URL

    public init(_ path: String) { url = URL(fileURLWithPath: path) }

    public var config: URL { url.appendingPathComponent("config.json") }
    public var metrics: URL { url.appendingPathComponent("metrics.jsonl") }
    public var bestModel: URL { url.appendingPathComponent("best.safetensors") }
    public var bestManifest: URL { url.appendingPathComponent("best.json") }
    public func picture(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Whether a run was already started here (a saved config or any checkpoint).
    public var holdsRun: Bool {
        FileManager.default.fileExists(atPath: config.path)
            || FileManager.default.fileExists(atPath: url.appendingPathComponent("checkpoints").path)
    }

    public func savedConfig() throws -> TrainingConfig {
        guard let data = FileManager.default.contents(atPath: config.path) else {
            throw ConfigError(key: "", "no config.json in run directory \(url.path)")
        }
        return try JSONDecoder().decode(TrainingConfig.self, from: data)
    }

    public func create(with resolved: TrainingConfig) throws {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        try AtomicFile.write(resolved.encoded(), to: config)
    }

    /// Appends one JSON object per line.
    public func appendMetric(_ object: [String: JSONValue]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var line = try encoder.encode(JSONValue.object(object))
        line.append(UInt8(ascii: "\n"))
        if !FileManager.default.fileExists(atPath: metrics.path) { _ = FileManager.default.createFile(atPath: metrics.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: metrics)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: line)
    }

    /// After a resume from `step`: drops metric lines the interrupted run wrote past that step,
    /// so the file reads as one uninterrupted run.
    public func truncateMetrics(after step: Int) throws {
        guard let data = FileManager.default.contents(atPath: metrics.path), let text = String(data: data, encoding: .utf8) else { return }
        let kept = text.split(separator: "\n").filter { line in
            guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(line.utf8)),
                case let .object(object) = value, case let .number(lineStep)? = object["step"]
            else { return false }
            return Int(lineStep) <= step
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
