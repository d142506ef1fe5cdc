import FlowTraining
import Foundation
import GRDB

/// The single-host store: jobs, data sets and events in SQLite (`<state>/flowkit.sqlite`,
/// write-ahead log, synchronous commits). Every change is one transaction, so a server killed at
/// any moment leaves the store as it was before or after each change, never between. GRDB's
/// `DatabasePool` is safe to use from any task; claims take SQLite's write lock first
/// (`BEGIN IMMEDIATE`), so claimers in several processes on one file never get the same job.
public final class SQLiteJobStore: JobStore {
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

    public func deleteDataset(_ id: String, holdsModel: @escaping @Sendable (_ jobId: String) -> Bool) async throws -> DatasetDeleteOutcome {
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

    public func job(_ id: String) async throws -> JobRecord? {
        try await pool.read { db in try JobRecord.fetchOne(db, sql: "SELECT * FROM job WHERE id = ?", arguments: [id]) }
    }

    public func datasetIds(ofJob id: String) async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT datasetId FROM jobDataset WHERE jobId = ? ORDER BY datasetId", arguments: [id])
        }
    }

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

    public func transition(
        _ id: String, from allowed: Set<JobStatus>, to status: JobStatus, message: String?, now: Double,
        change: @escaping @Sendable (inout JobRecord) -> Void
    ) async throws -> JobOutcome {
        try await pool.write { db in
            guard var job = try JobRecord.fetchOne(db, sql: "SELECT * FROM job WHERE id = ?", arguments: [id]) else { return .notFound }
            guard let previous = LeaseRules.transition(&job, from: allowed, to: status, change: change) else { return .conflict(job) }
            try job.update(db)
            try Self.stateEvent(db, job: job, from: previous, message: message, now: now)
            return .done(job)
        }
    }

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
        let data = try JobStateEvent.data(job: job, from: previous, message: message)
        var event = EventRecord(jobId: job.id, type: .state, metricKey: nil, data: data, time: now)
        try event.insert(db)
    }

    // MARK: Events

    @discardableResult
    public func recordMetrics(jobId: String, lines: [MetricLine], now: Double) async throws -> Int {
        guard !lines.isEmpty else { return 0 }
        return try await pool.write { db in
            guard var job = try Self.fetchJob(db, jobId) else { return 0 }
            return try Self.insertMetrics(db, job: &job, lines: lines, now: now)
        }
    }

    private static func insertMetrics(_ db: Database, job: inout JobRecord, lines: [MetricLine], now: Double) throws -> Int {
        var added = 0
        for line in lines {
            try db.execute(
                sql: "INSERT OR IGNORE INTO event (jobId, type, metricKey, data, time) VALUES (?, 'metric', ?, ?, ?)",
                arguments: [job.id, line.key, line.text, now])
            guard db.changesCount > 0 else { continue }
            added += 1
            LeaseRules.fold(line, into: &job)
        }
        if added > 0 { try job.update(db) }
        return added
    }

    private static func fetchJob(_ db: Database, _ id: String) throws -> JobRecord? {
        try JobRecord.fetchOne(db, sql: "SELECT * FROM job WHERE id = ?", arguments: [id])
    }

    public func events(jobId: String, after: Int64, limit: Int) async throws -> [EventRecord] {
        try await pool.read { db in
            try EventRecord.fetchAll(
                db, sql: "SELECT * FROM event WHERE jobId = ? AND seq > ? ORDER BY seq LIMIT ?", arguments: [jobId, after, limit])
        }
    }

    // MARK: Leases

    public func claim(owner: String, devices: Set<String>, leaseSeconds: Double, now: Double) async throws -> (JobRecord, JobLease)? {
        guard !devices.isEmpty else { return nil }
        // The write lock first: a deferred transaction that reads, then writes, could lose the
        // job to a claimer in another process between the two.
        return try await pool.writeWithoutTransaction { db in
            var claimed: (JobRecord, JobLease)?
            try db.inTransaction(.immediate) {
                let marks = Array(repeating: "?", count: devices.count).joined(separator: ", ")
                var values: [(any DatabaseValueConvertible)?] = [now]
                values.append(contentsOf: devices.sorted().map { $0 as (any DatabaseValueConvertible)? })
                let candidate = try JobRecord.fetchOne(
                    db,
                    sql: """
                        SELECT * FROM job
                        WHERE (status = 'queued' OR (status = 'running' AND leaseOwner IS NOT NULL AND leaseExpiresAt < ?))
                          AND device IN (\(marks))
                        ORDER BY priority DESC, seq ASC LIMIT 1
                        """,
                    arguments: StatementArguments(values))
                if let previous = candidate, LeaseRules.isClaimable(previous, now: now) {
                    var job = previous
                    let lease = LeaseRules.claim(&job, owner: owner, leaseSeconds: leaseSeconds, now: now)
                    try job.update(db)
                    let message = LeaseRules.claimMessage(previous: previous, owner: owner, attempt: lease.attempt)
                    try Self.stateEvent(db, job: job, from: previous.status, message: message, now: now)
                    claimed = (job, lease)
                }
                return .commit
            }
            return claimed
        }
    }

    public func renew(_ lease: JobLease, leaseSeconds: Double, now: Double) async throws -> FencedOutcome<JobLease> {
        try await pool.write { db in
            guard var job = try Self.fetchJob(db, lease.jobId) else { return .notFound }
            if let refusal: FencedOutcome<JobLease> = LeaseRules.refusal(job, lease) { return refusal }
            guard job.status == .running, job.leaseOwner == lease.owner else { return .conflict(job) }
            var renewed = lease
            renewed.expiresAt = now + leaseSeconds
            job.leaseExpiresAt = renewed.expiresAt
            try job.update(db)
            return .done(renewed)
        }
    }

    public func transition(
        _ lease: JobLease, from allowed: Set<JobStatus>, to status: JobStatus, message: String?, now: Double,
        change: @escaping @Sendable (inout JobRecord) -> Void
    ) async throws -> FencedOutcome<JobRecord> {
        try await pool.write { db in
            guard var job = try Self.fetchJob(db, lease.jobId) else { return .notFound }
            if let refusal: FencedOutcome<JobRecord> = LeaseRules.refusal(job, lease) { return refusal }
            guard let previous = LeaseRules.transition(&job, from: allowed, to: status, change: change) else { return .conflict(job) }
            try job.update(db)
            try Self.stateEvent(db, job: job, from: previous, message: message, now: now)
            return .done(job)
        }
    }

    public func recordMetrics(_ lease: JobLease, lines: [MetricLine], now: Double) async throws -> FencedOutcome<Int> {
        try await pool.write { db in
            guard var job = try Self.fetchJob(db, lease.jobId) else { return .notFound }
            if let refusal: FencedOutcome<Int> = LeaseRules.refusal(job, lease) { return refusal }
            return .done(try Self.insertMetrics(db, job: &job, lines: lines, now: now))
        }
    }

    public func commitCheckpoint(_ lease: JobLease, step: Int, now: Double) async throws -> FencedOutcome<JobRecord> {
        try await pool.write { db in
            guard var job = try Self.fetchJob(db, lease.jobId) else { return .notFound }
            if let refusal: FencedOutcome<JobRecord> = LeaseRules.refusal(job, lease) { return refusal }
            job.checkpointStep = step
            job.step = max(job.step, step)
            try job.update(db)
            return .done(job)
        }
    }
}
