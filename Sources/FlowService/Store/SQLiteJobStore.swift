import FlowTraining
import Foundation
import GRDB

/// The service's source of truth: jobs, data sets and events in SQLite (`<state>/flowkit.sqlite`,
/// write-ahead log, synchronous commits). Every change is one transaction, so a server killed at
/// any moment leaves the store as it was before or after each change, never between. GRDB's
/// `DatabasePool` is safe to use from any task.
public final class JobStore: Sendable {
    let pool: DatabasePool

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // A commit survives a power cut too, not only a crash of the server.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        try StoreMigrations.migrator.migrate(pool)
    }

    public enum Outcome: Sendable {
        case done(JobRecord)
        case notFound
        /// The job is in a state the change does not apply to.
        case conflict(JobRecord)
    }

    /// Whether the store answers (readiness).
    public func ping() async -> Bool {
        (try? await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }) == 1
    }

    // MARK: Data sets

    /// Inserts the data set unless one with its id exists; returns the stored one and whether it is new.
    public func insertDataset(_ record: DatasetRecord) async throws -> (DatasetRecord, created: Bool) {
        try await pool.write { db in
            if let existing = try DatasetRecord.fetchOne(db, key: record.id) { return (existing, false) }
            try record.insert(db)
            return (record, true)
        }
    }

    public func dataset(_ id: String) async throws -> DatasetRecord? {
        try await pool.read { db in try DatasetRecord.fetchOne(db, key: id) }
    }

    public func datasets() async throws -> [DatasetRecord] {
        try await pool.read { db in
            try DatasetRecord.fetchAll(db, sql: "SELECT * FROM dataset ORDER BY createdAt DESC, id")
        }
    }

    public enum DeleteOutcome: Sendable {
        case deleted(DatasetRecord)
        case notFound
        /// Jobs that still need it, oldest first: they may run again, or their model is rebuilt from it.
        case inUse([String])
    }

    /// Deletes a data set no job needs. A job needs its data sets while it may run again
    /// (`JobStatus.needingData`) and, after that, while its run holds a model (`holdsModel`,
    /// asked of succeeded and cancelled jobs): loading a model reads its training data (shapes,
    /// standardisation statistics, splits), so deleting the data would leave a job whose model
    /// the service, `eval`, `logprob` and `sample` cannot load. The job–data-set links stay: a
    /// job keeps naming the data sets its config reads, whatever happens to them later.
    public func deleteDataset(_ id: String, holdsModel: @escaping @Sendable (_ jobId: String) -> Bool) async throws -> DeleteOutcome {
        try await pool.write { db in
            guard let record = try DatasetRecord.fetchOne(db, key: id) else { return .notFound }
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT job.id, job.status FROM jobDataset JOIN job ON job.id = jobDataset.jobId
                    WHERE jobDataset.datasetId = ? ORDER BY job.seq
                    """,
                arguments: [id])
            let users: [String] = rows.compactMap { row in
                let job: String = row["id"]
                // A status this version does not know counts as one that may still run.
                guard let status = JobStatus(rawValue: row["status"]) else { return job }
                return JobStatus.needingData.contains(status) || holdsModel(job) ? job : nil
            }
            if !users.isEmpty { return .inUse(users) }
            _ = try DatasetRecord.deleteOne(db, key: id)
            return .deleted(record)
        }
    }

    // MARK: Jobs

    /// Stores a new queued job with its first event, if every data set it names still exists;
    /// returns the ids of missing data sets otherwise.
    public func insertJob(_ job: JobRecord, datasets: [String], now: Double) async throws -> Result<JobRecord, MissingDatasets> {
        try await pool.write { db in
            let missing = try datasets.filter { try DatasetRecord.fetchOne(db, key: $0) == nil }
            if !missing.isEmpty { return .failure(MissingDatasets(ids: missing)) }
            var job = job
            try job.insert(db)
            for dataset in Set(datasets) {
                try db.execute(sql: "INSERT INTO jobDataset (jobId, datasetId) VALUES (?, ?)", arguments: [job.id, dataset])
            }
            try Self.stateEvent(db, job: job, from: nil, message: "job created", now: now)
            return .success(job)
        }
    }

    public struct MissingDatasets: Error, Sendable {
        public let ids: [String]
    }

    public func job(_ id: String) async throws -> JobRecord? {
        try await pool.read { db in try JobRecord.fetchOne(db, sql: "SELECT * FROM job WHERE id = ?", arguments: [id]) }
    }

    public func datasetIds(ofJob id: String) async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT datasetId FROM jobDataset WHERE jobId = ? ORDER BY datasetId", arguments: [id])
        }
    }

    /// Newest first; `before` is the `seq` of the last job of the previous page.
    public func jobs(status: JobStatus?, before: Int64?, limit: Int) async throws -> [JobRecord] {
        try await pool.read { db in
            var conditions: [String] = []
            var values: [(any DatabaseValueConvertible)?] = []
            if let status {
                conditions.append("status = ?")
                values.append(status.rawValue)
            }
            if let before {
                conditions.append("seq < ?")
                values.append(before)
            }
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            values.append(limit)
            let arguments = StatementArguments(values)
            return try JobRecord.fetchAll(db, sql: "SELECT * FROM job \(filter) ORDER BY seq DESC LIMIT ?", arguments: arguments)
        }
    }

    /// Jobs in one state, in the order the scheduler takes them: higher priority first, then older.
    public func jobs(in status: JobStatus) async throws -> [JobRecord] {
        try await pool.read { db in
            try JobRecord.fetchAll(
                db, sql: "SELECT * FROM job WHERE status = ? ORDER BY priority DESC, seq ASC", arguments: [status.rawValue])
        }
    }

    public func statusCounts() async throws -> [JobStatus: Int] {
        try await pool.read { db in
            var counts: [JobStatus: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM job GROUP BY status") {
                if let status = JobStatus(rawValue: row["status"]) { counts[status] = row["n"] }
            }
            return counts
        }
    }

    /// Moves a job from one of `allowed` to `status` in one transaction with its state event;
    /// `change` adjusts other fields (pid, timestamps, failure) in the same transaction.
    public func transition(
        _ id: String, from allowed: Set<JobStatus>, to status: JobStatus, message: String?, now: Double,
        change: @escaping @Sendable (inout JobRecord) -> Void = { _ in }
    ) async throws -> Outcome {
        try await pool.write { db in
            guard var job = try JobRecord.fetchOne(db, sql: "SELECT * FROM job WHERE id = ?", arguments: [id]) else { return .notFound }
            guard allowed.contains(job.status) else { return .conflict(job) }
            let previous = job.status
            job.status = status
            change(&job)
            try job.update(db)
            try Self.stateEvent(db, job: job, from: previous, message: message, now: now)
            return .done(job)
        }
    }

    /// Changes fields of a job without a state change (no event).
    @discardableResult
    public func update(_ id: String, change: @escaping @Sendable (inout JobRecord) -> Void) async throws -> JobRecord? {
        try await pool.write { db in
            guard var job = try JobRecord.fetchOne(db, sql: "SELECT * FROM job WHERE id = ?", arguments: [id]) else { return nil }
            change(&job)
            try job.update(db)
            return job
        }
    }

    private static func stateEvent(_ db: Database, job: JobRecord, from previous: JobStatus?, message: String?, now: Double) throws {
        var object: [String: JSONValue] = ["status": .string(job.status.rawValue), "step": .number(Double(job.step))]
        if let checkpoint = job.checkpointStep { object["checkpointStep"] = .number(Double(checkpoint)) }
        if let previous { object["from"] = .string(previous.rawValue) }
        if let message { object["message"] = .string(message) }
        var event = EventRecord(jobId: job.id, type: .state, metricKey: nil, data: try JSONText.encode(object), time: now)
        try event.insert(db)
    }

    // MARK: Events

    /// Stores metric lines not stored before (by their key) and folds the new ones into the
    /// job's summary; returns how many were new.
    @discardableResult
    public func recordMetrics(jobId: String, lines: [MetricLine], now: Double) async throws -> Int {
        guard !lines.isEmpty else { return 0 }
        return try await pool.write { db in
            guard var job = try JobRecord.fetchOne(db, sql: "SELECT * FROM job WHERE id = ?", arguments: [jobId]) else { return 0 }
            var added = 0
            for line in lines {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO event (jobId, type, metricKey, data, time) VALUES (?, 'metric', ?, ?, ?)",
                    arguments: [jobId, line.key, line.text, now])
                guard db.changesCount > 0 else { continue }
                added += 1
                if line.event == "train" || line.event == "skip" || line.event == "checkpoint" { job.step = max(job.step, line.step) }
                if line.event == "checkpoint" { job.checkpointStep = line.step }
                if let loss = line.loss { job.loss = loss }
                if let nll = line.validationNLL { job.validationNLL = nll }
                if let bits = line.bitsPerDim { job.bitsPerDim = bits }
                if let nll = line.testNLL { job.testNLL = nll }
            }
            if added > 0 { try job.update(db) }
            return added
        }
    }

    public func events(jobId: String, after: Int64, limit: Int) async throws -> [EventRecord] {
        try await pool.read { db in
            try EventRecord.fetchAll(
                db, sql: "SELECT * FROM event WHERE jobId = ? AND seq > ? ORDER BY seq LIMIT ?", arguments: [jobId, after, limit])
        }
    }
}
