import Logging
import PostgresNIO

/// The store's schema in PostgreSQL: the migrations of StoreMigrations (SQLite), one for one,
/// with the same identifiers, tables, columns and indexes. Unquoted names fold to lower case in
/// PostgreSQL (`checkpointStep` is `checkpointstep` there); SQLite's 64-bit INTEGER is BIGINT and
/// its DOUBLE is DOUBLE PRECISION. Never edit a released migration: add one, to both.
enum PostgresMigrations {
    struct Migration: Sendable {
        let identifier: String
        /// One statement each: the extended query protocol takes one at a time.
        let statements: [String]
    }

    static let migrations: [Migration] = [
        Migration(
            identifier: "v1",
            statements: [
                """
                CREATE TABLE dataset (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    format TEXT NOT NULL,
                    bytes BIGINT NOT NULL,
                    shape TEXT NOT NULL,
                    createdAt DOUBLE PRECISION NOT NULL
                )
                """,
                """
                CREATE TABLE job (
                    seq BIGSERIAL PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    name TEXT,
                    status TEXT NOT NULL,
                    device TEXT NOT NULL,
                    priority BIGINT NOT NULL,
                    totalSteps BIGINT NOT NULL,
                    step BIGINT NOT NULL DEFAULT 0,
                    loss DOUBLE PRECISION,
                    validationNLL DOUBLE PRECISION,
                    bitsPerDim DOUBLE PRECISION,
                    testNLL DOUBLE PRECISION,
                    createdAt DOUBLE PRECISION NOT NULL,
                    startedAt DOUBLE PRECISION,
                    finishedAt DOUBLE PRECISION,
                    pid BIGINT,
                    pidStartTime BIGINT,
                    stopRequest TEXT,
                    attempts BIGINT NOT NULL DEFAULT 0,
                    failure TEXT
                )
                """,
                "CREATE INDEX job_status ON job(status, priority, seq)",
                """
                CREATE TABLE jobDataset (
                    jobId TEXT NOT NULL REFERENCES job(id) ON DELETE CASCADE,
                    datasetId TEXT NOT NULL,
                    PRIMARY KEY (jobId, datasetId)
                )
                """,
                "CREATE INDEX jobDataset_dataset ON jobDataset(datasetId)",
                """
                CREATE TABLE event (
                    seq BIGSERIAL PRIMARY KEY,
                    jobId TEXT NOT NULL REFERENCES job(id) ON DELETE CASCADE,
                    type TEXT NOT NULL,
                    metricKey TEXT,
                    data TEXT NOT NULL,
                    time DOUBLE PRECISION NOT NULL,
                    UNIQUE (jobId, metricKey)
                )
                """,
                "CREATE INDEX event_job ON event(jobId, seq)",
            ]),
        Migration(identifier: "v2", statements: ["ALTER TABLE job ADD COLUMN checkpointStep BIGINT"]),
        Migration(
            identifier: "v3",
            statements: [
                "ALTER TABLE job ADD COLUMN attempt BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE job ADD COLUMN leaseOwner TEXT",
                "ALTER TABLE job ADD COLUMN leaseExpiresAt DOUBLE PRECISION",
            ]),
    ]

    /// The advisory lock every host takes to migrate: "flowkit" in ASCII, then 1.
    static let lockKey: Int64 = 0x666C_6F77_6B69_7401

    struct NewerSchema: Error, CustomStringConvertible {
        let unknown: [String]
        var description: String {
            "the store was migrated by a newer flowkit (migrations \(unknown.joined(separator: ", ")) are unknown to this one); "
                + "run the newer version, or point --database at another database"
        }
    }

    /// Applies the migrations the database lacks, each in its own transaction, under a
    /// session-level advisory lock: hosts starting together wait for each other, and the first
    /// migrates while the rest find nothing left to do. Returns the identifiers it applied.
    @discardableResult
    static func migrate(_ connection: PostgresConnection, now: Double, logger: Logger) async throws -> [String] {
        try await connection.query("SELECT pg_advisory_lock(\(lockKey))", logger: logger)
        do {
            let applied = try await migrateLocked(connection, now: now, logger: logger)
            try await connection.query("SELECT pg_advisory_unlock(\(lockKey))", logger: logger)
            return applied
        } catch {
            // The lock ends with the session too; unlock anyway in case the connection lives on.
            _ = try? await connection.query("SELECT pg_advisory_unlock(\(lockKey))", logger: logger)
            throw error
        }
    }

    private static func migrateLocked(_ connection: PostgresConnection, now: Double, logger: Logger) async throws -> [String] {
        try await connection.query(
            "CREATE TABLE IF NOT EXISTS flowkit_migrations (identifier TEXT PRIMARY KEY NOT NULL, appliedAt DOUBLE PRECISION NOT NULL)",
            logger: logger)
        var done: Set<String> = []
        for try await identifier in try await connection.query("SELECT identifier FROM flowkit_migrations", logger: logger).decode(String.self) {
            done.insert(identifier)
        }
        let unknown = done.subtracting(migrations.map(\.identifier)).sorted()
        if !unknown.isEmpty { throw NewerSchema(unknown: unknown) }
        var applied: [String] = []
        for migration in migrations where !done.contains(migration.identifier) {
            try await connection.withTransaction(logger: logger) { connection in
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO flowkit_migrations (identifier, appliedAt) VALUES (\(migration.identifier), \(now))", logger: logger)
            }
            applied.append(migration.identifier)
        }
        return applied
    }
}
