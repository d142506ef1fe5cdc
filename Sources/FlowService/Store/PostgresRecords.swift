import Logging
import PostgresNIO

/// The store's records read from and written to PostgreSQL rows. Every query names its columns in
/// the order of these lists and rows are read by position, so a column PostgreSQL folds to lower
/// case is never looked up by name.
enum PostgresRecords {
    struct OutOfRange: Error, CustomStringConvertible {
        let description: String
    }

    static let jobColumns = """
        seq, id, name, status, device, priority, totalSteps, step, checkpointStep, loss, validationNLL, bitsPerDim, testNLL, \
        createdAt, startedAt, finishedAt, pid, pidStartTime, stopRequest, attempts, failure, attempt, leaseOwner, leaseExpiresAt
        """
    static let datasetColumns = "id, name, format, bytes, shape, createdAt"
    static let eventColumns = "seq, jobId, type, metricKey, data, time"

    static func job(_ row: PostgresRow) throws -> JobRecord {
        let cells = row.makeRandomAccess()
        var job = JobRecord(
            id: try cells[1].decode(String.self), name: try cells[2].decode(String?.self), device: try cells[4].decode(String.self),
            priority: try cells[5].decode(Int.self), totalSteps: try cells[6].decode(Int.self), createdAt: try cells[13].decode(Double.self))
        job.seq = try cells[0].decode(Int64.self)
        let status = try cells[3].decode(String.self)
        guard let known = JobStatus(rawValue: status) else { throw OutOfRange(description: "job \(job.id) has an unknown status \(status)") }
        job.status = known
        job.step = try cells[7].decode(Int.self)
        job.checkpointStep = try cells[8].decode(Int?.self)
        job.loss = try cells[9].decode(Double?.self)
        job.validationNLL = try cells[10].decode(Double?.self)
        job.bitsPerDim = try cells[11].decode(Double?.self)
        job.testNLL = try cells[12].decode(Double?.self)
        job.startedAt = try cells[14].decode(Double?.self)
        job.finishedAt = try cells[15].decode(Double?.self)
        if let pid = try cells[16].decode(Int64?.self) {
            guard let narrow = Int32(exactly: pid) else { throw OutOfRange(description: "job \(job.id) has pid \(pid)") }
            job.pid = narrow
        }
        if let start = try cells[17].decode(Int64?.self) {
            guard let wide = UInt64(exactly: start) else { throw OutOfRange(description: "job \(job.id) has pidStartTime \(start)") }
            job.pidStartTime = wide
        }
        if let request = try cells[18].decode(String?.self) {
            guard let known = StopRequest(rawValue: request) else {
                throw OutOfRange(description: "job \(job.id) has an unknown stopRequest \(request)")
            }
            job.stopRequest = known
        }
        job.attempts = try cells[19].decode(Int.self)
        job.failure = try cells[20].decode(String?.self)
        job.attempt = try cells[21].decode(Int.self)
        job.leaseOwner = try cells[22].decode(String?.self)
        job.leaseExpiresAt = try cells[23].decode(Double?.self)
        return job
    }

    static func dataset(_ row: PostgresRow) throws -> DatasetRecord {
        let cells = row.makeRandomAccess()
        let format = try cells[2].decode(String.self)
        guard let known = DatasetRecord.Format(rawValue: format) else { throw OutOfRange(description: "data set has an unknown format \(format)") }
        var record = DatasetRecord(
            id: try cells[0].decode(String.self), name: try cells[1].decode(String.self), format: known,
            bytes: try cells[3].decode(Int64.self), shape: [], createdAt: try cells[5].decode(Double.self))
        record.shape = try cells[4].decode(String.self)
        return record
    }

    static func event(_ row: PostgresRow) throws -> EventRecord {
        let cells = row.makeRandomAccess()
        let type = try cells[2].decode(String.self)
        guard let kind = EventRecord.Kind(rawValue: type) else { throw OutOfRange(description: "event has an unknown type \(type)") }
        var event = EventRecord(
            jobId: try cells[1].decode(String.self), type: kind, metricKey: try cells[3].decode(String?.self),
            data: try cells[4].decode(String.self), time: try cells[5].decode(Double.self))
        event.seq = try cells[0].decode(Int64.self)
        return event
    }

    /// Writes every field of `job` but its identity (`seq`, `id`).
    static func update(_ job: JobRecord, on connection: PostgresConnection, logger: Logger) async throws {
        let pidStartTime: Int64? = try job.pidStartTime.map { start in
            guard let narrow = Int64(exactly: start) else { throw OutOfRange(description: "job \(job.id) has pidStartTime \(start)") }
            return narrow
        }
        let pid = job.pid.map(Int64.init)
        try await connection.query(
            """
            UPDATE job SET name = \(job.name), status = \(job.status.rawValue), device = \(job.device), priority = \(job.priority),
                totalSteps = \(job.totalSteps), step = \(job.step), checkpointStep = \(job.checkpointStep), loss = \(job.loss),
                validationNLL = \(job.validationNLL), bitsPerDim = \(job.bitsPerDim), testNLL = \(job.testNLL),
                createdAt = \(job.createdAt), startedAt = \(job.startedAt), finishedAt = \(job.finishedAt), pid = \(pid),
                pidStartTime = \(pidStartTime), stopRequest = \(job.stopRequest?.rawValue), attempts = \(job.attempts),
                failure = \(job.failure), attempt = \(job.attempt), leaseOwner = \(job.leaseOwner), leaseExpiresAt = \(job.leaseExpiresAt)
            WHERE id = \(job.id)
            """,
            logger: logger)
    }
}
