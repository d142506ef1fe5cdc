import Foundation

/// Follows one run's `metrics.jsonl` while its child runs and copies new lines into the store
/// (as events, and into the job's summary). A resume rewrites the file (dropping lines past the
/// checkpoint) under a new inode; the tailer then reads it again from the start, and the store
/// keeps each (event, step) once, so the events read as one uninterrupted run.
actor MetricsTailer {
    let jobId: String
    let path: String
    let store: JobStore
    private var offset: UInt64 = 0
    private var inode: UInt64 = 0
    private var partial = Data()

    init(jobId: String, path: String, store: JobStore) {
        self.jobId = jobId
        self.path = path
        self.store = store
    }

    /// Reads what was appended since the last call and records the complete lines; true when
    /// it recorded a piece of the file (there may be more).
    @discardableResult
    func poll() async -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        let node = UInt64(info.st_ino)
        if node != inode || UInt64(info.st_size) < offset {
            inode = node
            offset = 0
            partial = Data()
        }
        guard UInt64(info.st_size) > offset, let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        // Bounded reads: a huge file is taken in pieces over several polls.
        guard (try? handle.seek(toOffset: offset)) != nil, let chunk = try? handle.read(upToCount: 4 << 20), !chunk.isEmpty else { return false }
        offset += UInt64(chunk.count)
        var buffer = partial + chunk
        var lines: [MetricLine] = []
        while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
            let line = buffer[buffer.startIndex..<newline]
            if let parsed = MetricLine(Substring(decoding: line, as: UTF8.self)) { lines.append(parsed) }
            buffer = Data(buffer[buffer.index(after: newline)...])
        }
        partial = buffer
        do {
            try await store.recordMetrics(jobId: jobId, lines: lines, now: Date().timeIntervalSince1970)
            return true
        } catch {
            // Not recorded now: read those lines again next time.
            offset = 0
            partial = Data()
            return false
        }
    }

    /// Records everything the file holds now (after its writer exited, before the job's state
    /// changes, so the state event's step is the trainer's last reported one). Bounded: a store
    /// that keeps failing leaves the rest to the next reader.
    func drain() async {
        for _ in 0..<100_000 {
            guard await poll() else { return }
        }
    }
}
