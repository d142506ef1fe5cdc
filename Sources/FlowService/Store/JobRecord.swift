import Foundation
import GRDB

/// One row of the `job` table: a training job, its place in the queue, the child running it and
/// the latest figures read from its run's `metrics.jsonl`.
public struct JobRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "job"

    /// Insertion order (newest first in listings; the cursor of pagination).
    public var seq: Int64?
    public var id: String
    public var name: String?
    public var status: JobStatus
    public var device: String
    public var priority: Int
    public var totalSteps: Int
    /// The newest step the trainer reported: its `train` and `skip` lines (every `logEvery`
    /// steps) and its `checkpoint` lines (every `checkpointEvery` steps, and where it stopped).
    public var step: Int
    /// The step of the newest checkpoint the trainer reported: where a resume continues. Equal to
    /// `step` after a graceful stop; smaller after a kill that outran the last checkpoint.
    public var checkpointStep: Int?
    public var loss: Double?
    public var validationNLL: Double?
    public var bitsPerDim: Double?
    public var testNLL: Double?
    /// Seconds since 1970.
    public var createdAt: Double
    public var startedAt: Double?
    public var finishedAt: Double?
    /// The running child and its start time (`/proc/<pid>/stat` field 22), so a restarted server
    /// recognises it (and never signals a recycled pid).
    public var pid: Int32?
    public var pidStartTime: UInt64?
    public var stopRequest: StopRequest?
    /// How many times a child was started for the job.
    public var attempts: Int
    /// Why the job failed: the end of the child's standard error.
    public var failure: String?
    /// The attempt of the newest claim (`JobStore.claim`): the fencing token every write of a
    /// claimed job carries. 0 for a job never claimed (the single-host scheduler does not claim).
    public var attempt: Int
    /// The host holding the job's lease, and until when (seconds since 1970); nil when none does.
    public var leaseOwner: String?
    public var leaseExpiresAt: Double?

    public init(id: String, name: String?, device: String, priority: Int, totalSteps: Int, createdAt: Double) {
        self.id = id
        self.name = name
        self.status = .queued
        self.device = device
        self.priority = priority
        self.totalSteps = totalSteps
        self.step = 0
        self.createdAt = createdAt
        self.attempts = 0
        self.attempt = 0
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        seq = inserted.rowID
    }
}
