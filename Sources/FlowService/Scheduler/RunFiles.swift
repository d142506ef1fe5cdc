import FlowTraining
import Foundation

/// What the scheduler reads of a job's files: whether its run directory is locked by a trainer,
/// whether the run ended with its final checkpoint, and the end of the child's standard error.
enum RunFiles {
    /// Whether a `flowkit train` holds the run directory's lock (an earlier child still writing
    /// its last checkpoint after the server was killed).
    static func isLocked(_ run: URL) -> Bool {
        let descriptor = open(run.appendingPathComponent(".lock").path, O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 { return errno == EWOULDBLOCK }
        flock(descriptor, LOCK_UN)
        return false
    }

    /// The run finished: its `test` line (written only by a run that was not interrupted, after
    /// its last checkpoint) names a step whose checkpoint exists.
    static func hasFinalCheckpoint(_ run: URL) -> Bool {
        let directory = RunDirectory(run.path)
        guard let test = directory.readMetrics().last(where: { $0["event"] == .string("test") }),
            case let .number(step)? = test["step"]
        else { return false }
        let stem = String(format: "step-%08d", Int(step))
        let checkpoints = run.appendingPathComponent("checkpoints")
        return CheckpointStore(runDirectory: run, keep: 1).steps().contains(Int(step))
            && FileManager.default.fileExists(atPath: checkpoints.appendingPathComponent("\(stem).safetensors").path)
    }

    /// Whether the run holds a model to load: a best model or a checkpoint (what the model
    /// routes and `flowkit eval/logprob/sample --run-dir` use).
    static func holdsModel(_ run: URL) -> Bool {
        FileManager.default.fileExists(atPath: RunDirectory(run.path).bestManifest.path)
            || !CheckpointStore(runDirectory: run, keep: 1).steps().isEmpty
    }

    static func size(_ path: String) -> UInt64 {
        var info = stat()
        return stat(path, &info) == 0 ? UInt64(info.st_size) : 0
    }

    /// The last lines written to `path` after `offset` (at most `lines` lines and 4000 characters).
    static func tail(_ path: String, from offset: UInt64, lines: Int = 20) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? handle.close() }
        let size = Self.size(path)
        let start = max(offset, size > 64 << 10 ? size - (64 << 10) : 0)
        guard (try? handle.seek(toOffset: start)) != nil, let data = try? handle.readToEnd() else { return "" }
        let text = String(decoding: data, as: UTF8.self)
        let kept = text.split(separator: "\n", omittingEmptySubsequences: true).suffix(lines).joined(separator: "\n")
        return kept.count > 4000 ? String(kept.suffix(4000)) : kept
    }
}
