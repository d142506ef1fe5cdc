import FlowTraining
import Foundation
import Logging
import NIOSSL
import PostgresNIO

/// The store in PostgreSQL (`flowkit serve --database postgresql://…`): the schema of
/// PostgresMigrations, migrated on opening under an advisory lock, and the queries of
/// SQLiteJobStore in PostgreSQL's dialect. Changes to a job lock its row (`FOR UPDATE`) for the
/// length of their transaction; claims skip rows another claimer holds (`SKIP LOCKED`), so hosts
/// claiming together each get a different job and none waits for another.
public final class PostgresJobStore: JobStore {
    let client: PostgresClient
    let location: PostgresLocation
    /// The migrations this opening applied: empty when another host (or an earlier start) had.
    public let migrated: [String]
    private let logger: Logger
    private let running: Task<Void, Never>
    /// The start-up connection, kept open by an exclusive store: it holds the host lock.
    private let holder: PostgresConnection?

    /// Why the store could not be opened, in words that name the problem (never the password).
    public struct OpenError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The advisory lock an exclusive store holds for its lifetime: "flowkit" in ASCII, then 2.
    static let hostLockKey: Int64 = 0x666C_6F77_6B69_7402

    /// Connects once (so an unreachable server or a refused login is reported now, with the
    /// server's reason, rather than by requests that wait), migrates, then serves every request
    /// from a pool of connections that lives until `close`.
    ///
    /// `exclusive` (what `flowkit serve` asks for): the store is this host's alone, held by an
    /// advisory lock on the start-up connection, and a second host is refused. Today's scheduler
    /// is single-host (it takes back every running job when it starts); until hosts claim through
    /// leases, two on one database would take each other's jobs.
    public static func open(_ location: PostgresLocation, exclusive: Bool = false, logger: Logger) async throws -> PostgresJobStore {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: try connectionConfiguration(location), id: 1, logger: logger)
        } catch {
            throw OpenError(description: "cannot connect to the store \(location): \(PostgresErrorText.describe(error))")
        }
        let migrated: [String]
        do {
            migrated = try await PostgresMigrations.migrate(connection, now: Date().timeIntervalSince1970, logger: logger)
        } catch {
            try? await connection.close()
            throw OpenError(description: "cannot migrate the store \(location): \(PostgresErrorText.describe(error))")
        }
        if !migrated.isEmpty { logger.info("migrated the store", metadata: ["store": "\(location)", "migrations": "\(migrated)"]) }
        guard exclusive else {
            try? await connection.close()
            return PostgresJobStore(location: location, migrated: migrated, holder: nil, logger: logger)
        }
        var locked = false
        do {
            let rows = try await connection.query("SELECT pg_try_advisory_lock(\(hostLockKey))", logger: logger)
            for try await granted in rows.decode(Bool.self) { locked = granted }
        } catch {
            try? await connection.close()
            throw OpenError(description: "cannot lock the store \(location): \(PostgresErrorText.describe(error))")
        }
        guard locked else {
            try? await connection.close()
            throw OpenError(
                description: "another flowkit serve is using the store \(location): one host per store for now "
                    + "(several hosts on one queue need lease-based scheduling, which this version does not have yet)")
        }
        return PostgresJobStore(location: location, migrated: migrated, holder: connection, logger: logger)
    }

    private init(location: PostgresLocation, migrated: [String], holder: PostgresConnection?, logger: Logger) {
        self.migrated = migrated
        self.holder = holder
        let client = PostgresClient(configuration: Self.clientConfiguration(location), backgroundLogger: logger)
        self.client = client
        self.location = location
        self.logger = logger
        running = Task { await client.run() }
    }

    deinit {
        running.cancel()
        holder?.close().whenComplete { _ in }
    }

    /// Closes the pool's connections (and gives up the host lock).
    public func close() {
        running.cancel()
        holder?.close().whenComplete { _ in }
    }

    private static func connectionConfiguration(_ location: PostgresLocation) throws -> PostgresConnection.Configuration {
        switch location.endpoint {
        case let .socket(path):
            return .init(unixSocketPath: path, username: location.user, password: location.password, database: location.database)
        case let .tcp(host, port):
            let tls: PostgresConnection.Configuration.TLS
            switch location.tls {
            case .disable: tls = .disable
            case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
            return .init(host: host, port: port, username: location.user, password: location.password, database: location.database, tls: tls)
        }
    }

    private static func clientConfiguration(_ location: PostgresLocation) -> PostgresClient.Configuration {
        switch location.endpoint {
        case let .socket(path):
            return .init(unixSocketPath: path, username: location.user, password: location.password, database: location.database)
        case let .tcp(host, port):
            let tls: PostgresClient.Configuration.TLS
            switch location.tls {
            case .disable: tls = .disable
            case .prefer: tls = .prefer(.makeClientConfiguration())
            case .require: tls = .require(.makeClientConfiguration())
            }
            return .init(host: host, port: port, username: location.user, password: location.password, database: location.database, tls: tls)
        }
    }

    // MARK: Helpers

    private func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await client.withConnection { connection in try await connection.query(query, logger: logger).collect() }
    }

    private func transaction<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        } catch let error as PostgresTransactionError {
            // The closure's own error is the one that says what went wrong.
            throw error.closureError ?? error.beginError ?? error.commitError ?? error
        }
    }

    private func lockedJob(_ id: String, on connection: PostgresConnection) async throws -> JobRecord? {
        let rows = try await connection.query(
            "SELECT \(unescaped: PostgresRecords.jobColumns) FROM job WHERE id = \(id) FOR UPDATE", logger: logger
        ).collect()
        return try rows.first.map(PostgresRecords.job)
    }

    private func stateEvent(_ job: JobRecord, from previous: JobStatus?, message: String?, now: Double, on connection: PostgresConnection)
        async throws
    {
        let data = try JobStateEvent.data(job: job, from: previous, message: message)
        try await connection.query(
            "INSERT INTO event (jobId, type, metricKey, data, time) VALUES (\(job.id), 'state', NULL, \(data), \(now))", logger: logger)
    }

    // MARK: Readiness

    public func ping() async -> Bool {
        // A server that is down makes the pool wait for a connection: answer within two seconds.
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { [client] in
                let rows = try? await client.query("SELECT 1").collect()
                return rows?.count == 1
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(2))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    // MARK: Data sets

    public func insertDataset(_ record: DatasetRecord) async throws -> (DatasetRecord, created: Bool) {
        try await transaction { connection in
            let inserted = try await connection.query(
                """
                INSERT INTO dataset (\(unescaped: PostgresRecords.datasetColumns))
                VALUES (\(record.id), \(record.name), \(record.format.rawValue), \(record.bytes), \(record.shape), \(record.createdAt))
                ON CONFLICT (id) DO NOTHING RETURNING id
                """,
                logger: logger
            ).collect()
            if !inserted.isEmpty { return (record, true) }
            let existing = try await connection.query(
                "SELECT \(unescaped: PostgresRecords.datasetColumns) FROM dataset WHERE id = \(record.id)", logger: logger
            ).collect()
            guard let row = existing.first else { throw PostgresRecords.OutOfRange(description: "data set \(record.id) vanished while stored") }
            return (try PostgresRecords.dataset(row), false)
        }
    }

    public func dataset(_ id: String) async throws -> DatasetRecord? {
        try await rows("SELECT \(unescaped: PostgresRecords.datasetColumns) FROM dataset WHERE id = \(id)").first.map(PostgresRecords.dataset)
    }

    public func datasets() async throws -> [DatasetRecord] {
        try await rows("SELECT \(unescaped: PostgresRecords.datasetColumns) FROM dataset ORDER BY createdAt DESC, id").map(PostgresRecords.dataset)
    }

    public func deleteDataset(_ id: String, holdsModel: @escaping @Sendable (_ jobId: String) -> Bool) async throws -> DatasetDeleteOutcome {
        try await transaction { connection in
            let found = try await connection.query(
                "SELECT \(unescaped: PostgresRecords.datasetColumns) FROM dataset WHERE id = \(id) FOR UPDATE", logger: logger
            ).collect()
            guard let row = found.first else { return .notFound }
            let record = try PostgresRecords.dataset(row)
            var users: [String] = []
            let rows = try await connection.query(
                """
                SELECT job.id, job.status FROM jobDataset JOIN job ON job.id = jobDataset.jobId
                WHERE jobDataset.datasetId = \(id) ORDER BY job.seq
                """,
                logger: logger)
            for try await (job, status) in rows.decode((String, String).self) {
                // A status this version does not know counts as one that may still run.
                guard let known = JobStatus(rawValue: status) else {
                    users.append(job)
                    continue
                }
                if JobStatus.needingData.contains(known) || holdsModel(job) { users.append(job) }
            }
            if !users.isEmpty { return .inUse(users) }
            try await connection.query("DELETE FROM dataset WHERE id = \(id)", logger: logger)
            return .deleted(record)
        }
    }

    // MARK: Jobs

    public func insertJob(_ job: JobRecord, datasets: [String], now: Double) async throws -> Result<JobRecord, MissingDatasets> {
        try await transaction { connection in
            // FOR SHARE: a data set cannot be deleted between this check and the commit.
            var present: Set<String> = []
            let found = try await connection.query("SELECT id FROM dataset WHERE id = ANY(\(datasets)) FOR SHARE", logger: logger)
            for try await id in found.decode(String.self) { present.insert(id) }
            let missing = datasets.filter { !present.contains($0) }
            if !missing.isEmpty { return .failure(MissingDatasets(ids: missing)) }
            let pidStartTime: Int64? = job.pidStartTime.flatMap { Int64(exactly: $0) }
            let inserted = try await connection.query(
                """
                INSERT INTO job (id, name, status, device, priority, totalSteps, step, checkpointStep, loss, validationNLL, bitsPerDim,
                    testNLL, createdAt, startedAt, finishedAt, pid, pidStartTime, stopRequest, attempts, failure, attempt, leaseOwner,
                    leaseExpiresAt)
                VALUES (\(job.id), \(job.name), \(job.status.rawValue), \(job.device), \(job.priority), \(job.totalSteps), \(job.step),
                    \(job.checkpointStep), \(job.loss), \(job.validationNLL), \(job.bitsPerDim), \(job.testNLL), \(job.createdAt),
                    \(job.startedAt), \(job.finishedAt), \(job.pid.map(Int64.init)), \(pidStartTime), \(job.stopRequest?.rawValue),
                    \(job.attempts), \(job.failure), \(job.attempt), \(job.leaseOwner), \(job.leaseExpiresAt))
                RETURNING seq
                """,
                logger: logger)
            var stored = job
            for try await seq in inserted.decode(Int64.self) { stored.seq = seq }
            for dataset in Set(datasets).sorted() {
                try await connection.query("INSERT INTO jobDataset (jobId, datasetId) VALUES (\(job.id), \(dataset))", logger: logger)
            }
            try await stateEvent(stored, from: nil, message: "job created", now: now, on: connection)
            return .success(stored)
        }
    }

    public func job(_ id: String) async throws -> JobRecord? {
        try await rows("SELECT \(unescaped: PostgresRecords.jobColumns) FROM job WHERE id = \(id)").first.map(PostgresRecords.job)
    }

    public func datasetIds(ofJob id: String) async throws -> [String] {
        try await client.withConnection { connection in
            var ids: [String] = []
            let rows = try await connection.query("SELECT datasetId FROM jobDataset WHERE jobId = \(id) ORDER BY datasetId", logger: logger)
            for try await dataset in rows.decode(String.self) { ids.append(dataset) }
            return ids
        }
    }

    public func jobs(status: JobStatus?, before: Int64?, limit: Int) async throws -> [JobRecord] {
        // NULL parameters stand for "any": one statement for the four combinations.
        try await rows(
            """
            SELECT \(unescaped: PostgresRecords.jobColumns) FROM job
            WHERE (\(status?.rawValue)::TEXT IS NULL OR status = \(status?.rawValue))
              AND (\(before)::BIGINT IS NULL OR seq < \(before))
            ORDER BY seq DESC LIMIT \(limit)
            """
        ).map(PostgresRecords.job)
    }

    public func jobs(in status: JobStatus) async throws -> [JobRecord] {
        try await rows(
            "SELECT \(unescaped: PostgresRecords.jobColumns) FROM job WHERE status = \(status.rawValue) ORDER BY priority DESC, seq ASC"
        ).map(PostgresRecords.job)
    }

    public func statusCounts() async throws -> [JobStatus: Int] {
        try await client.withConnection { connection in
            var counts: [JobStatus: Int] = [:]
            let rows = try await connection.query("SELECT status, COUNT(*) FROM job GROUP BY status", logger: logger)
            for try await (status, count) in rows.decode((String, Int).self) {
                if let known = JobStatus(rawValue: status) { counts[known] = count }
            }
            return counts
        }
    }

    public func transition(
        _ id: String, from allowed: Set<JobStatus>, to status: JobStatus, message: String?, now: Double,
        change: @escaping @Sendable (inout JobRecord) -> Void
    ) async throws -> JobOutcome {
        try await transaction { connection in
            guard var job = try await lockedJob(id, on: connection) else { return .notFound }
            guard let previous = LeaseRules.transition(&job, from: allowed, to: status, change: change) else { return .conflict(job) }
            try await PostgresRecords.update(job, on: connection, logger: logger)
            try await stateEvent(job, from: previous, message: message, now: now, on: connection)
            return .done(job)
        }
    }

    @discardableResult
    public func update(_ id: String, change: @escaping @Sendable (inout JobRecord) -> Void) async throws -> JobRecord? {
        try await transaction { connection in
            guard var job = try await lockedJob(id, on: connection) else { return nil }
            change(&job)
            try await PostgresRecords.update(job, on: connection, logger: logger)
            return job
        }
    }

    // MARK: Events

    @discardableResult
    public func recordMetrics(jobId: String, lines: [MetricLine], now: Double) async throws -> Int {
        guard !lines.isEmpty else { return 0 }
        return try await transaction { connection in
            guard var job = try await lockedJob(jobId, on: connection) else { return 0 }
            return try await insertMetrics(&job, lines: lines, now: now, on: connection)
        }
    }

    private func insertMetrics(_ job: inout JobRecord, lines: [MetricLine], now: Double, on connection: PostgresConnection) async throws -> Int {
        var added = 0
        for line in lines {
            let inserted = try await connection.query(
                """
                INSERT INTO event (jobId, type, metricKey, data, time) VALUES (\(job.id), 'metric', \(line.key), \(line.text), \(now))
                ON CONFLICT (jobId, metricKey) DO NOTHING RETURNING seq
                """,
                logger: logger
            ).collect()
            guard !inserted.isEmpty else { continue }
            added += 1
            LeaseRules.fold(line, into: &job)
        }
        if added > 0 { try await PostgresRecords.update(job, on: connection, logger: logger) }
        return added
    }

    public func events(jobId: String, after: Int64, limit: Int) async throws -> [EventRecord] {
        try await rows(
            """
            SELECT \(unescaped: PostgresRecords.eventColumns) FROM event WHERE jobId = \(jobId) AND seq > \(after) ORDER BY seq LIMIT \(limit)
            """
        ).map(PostgresRecords.event)
    }

    // MARK: Leases

    public func claim(owner: String, devices: Set<String>, leaseSeconds: Double, now: Double) async throws -> (JobRecord, JobLease)? {
        guard !devices.isEmpty else { return nil }
        return try await transaction { connection in
            let candidates = try await connection.query(
                """
                SELECT \(unescaped: PostgresRecords.jobColumns) FROM job
                WHERE (status = 'queued' OR (status = 'running' AND leaseOwner IS NOT NULL AND leaseExpiresAt < \(now)))
                  AND device = ANY(\(devices.sorted()))
                ORDER BY priority DESC, seq ASC LIMIT 1
                FOR UPDATE SKIP LOCKED
                """,
                logger: logger
            ).collect()
            guard let row = candidates.first else { return nil }
            let previous = try PostgresRecords.job(row)
            guard LeaseRules.isClaimable(previous, now: now) else { return nil }
            var job = previous
            let lease = LeaseRules.claim(&job, owner: owner, leaseSeconds: leaseSeconds, now: now)
            try await PostgresRecords.update(job, on: connection, logger: logger)
            let message = LeaseRules.claimMessage(previous: previous, owner: owner, attempt: lease.attempt)
            try await stateEvent(job, from: previous.status, message: message, now: now, on: connection)
            return (job, lease)
        }
    }

    public func renew(_ lease: JobLease, leaseSeconds: Double, now: Double) async throws -> FencedOutcome<JobLease> {
        try await transaction { connection in
            guard var job = try await lockedJob(lease.jobId, on: connection) else { return .notFound }
            if let refusal: FencedOutcome<JobLease> = LeaseRules.refusal(job, lease) { return refusal }
            guard job.status == .running, job.leaseOwner == lease.owner else { return .conflict(job) }
            var renewed = lease
            renewed.expiresAt = now + leaseSeconds
            job.leaseExpiresAt = renewed.expiresAt
            try await PostgresRecords.update(job, on: connection, logger: logger)
            return .done(renewed)
        }
    }

    public func transition(
        _ lease: JobLease, from allowed: Set<JobStatus>, to status: JobStatus, message: String?, now: Double,
        change: @escaping @Sendable (inout JobRecord) -> Void
    ) async throws -> FencedOutcome<JobRecord> {
        try await transaction { connection in
            guard var job = try await lockedJob(lease.jobId, on: connection) else { return .notFound }
            if let refusal: FencedOutcome<JobRecord> = LeaseRules.refusal(job, lease) { return refusal }
            guard let previous = LeaseRules.transition(&job, from: allowed, to: status, change: change) else { return .conflict(job) }
            try await PostgresRecords.update(job, on: connection, logger: logger)
            try await stateEvent(job, from: previous, message: message, now: now, on: connection)
            return .done(job)
        }
    }

    public func recordMetrics(_ lease: JobLease, lines: [MetricLine], now: Double) async throws -> FencedOutcome<Int> {
        try await transaction { connection in
            guard var job = try await lockedJob(lease.jobId, on: connection) else { return .notFound }
            if let refusal: FencedOutcome<Int> = LeaseRules.refusal(job, lease) { return refusal }
            return .done(try await insertMetrics(&job, lines: lines, now: now, on: connection))
        }
    }

    public func commitCheckpoint(_ lease: JobLease, step: Int, now: Double) async throws -> FencedOutcome<JobRecord> {
        try await transaction { connection in
            guard var job = try await lockedJob(lease.jobId, on: connection) else { return .notFound }
            if let refusal: FencedOutcome<JobRecord> = LeaseRules.refusal(job, lease) { return refusal }
            job.checkpointStep = step
            job.step = max(job.step, step)
            try await PostgresRecords.update(job, on: connection, logger: logger)
            return .done(job)
        }
    }
}
