/// The service's source of truth: jobs, data sets and events. Two implementations: SQLite
/// (`SQLiteJobStore`, the single-host default, in the state directory) and PostgreSQL
/// (`PostgresJobStore`, `flowkit serve --database postgresql://…`, one store several hosts can
/// share). Both keep the same schema (StoreMigrations, PostgresMigrations) and make every change
/// one transaction, so a server killed at any moment leaves the store as it was before or after
/// each change, never between.
///
/// The lease methods are the claim path of several hosts over one queue: `claim` takes the first
/// job a host may run (queued, or running under a lease that expired), starts a new attempt and
/// leases it to the host; every write of that attempt passes its `JobLease` and is refused
/// (`FencedOutcome.staleAttempt`) once the job has been claimed again.
public protocol JobStore: Sendable {
    /// Whether the store answers (readiness).
    func ping() async -> Bool

    // MARK: Data sets

    /// Inserts the data set unless one with its id exists; returns the stored one and whether it is new.
    func insertDataset(_ record: DatasetRecord) async throws -> (DatasetRecord, created: Bool)
    func dataset(_ id: String) async throws -> DatasetRecord?
    /// Newest first.
    func datasets() async throws -> [DatasetRecord]
    /// Deletes a data set no job needs. A job needs its data sets while it may run again
    /// (`JobStatus.needingData`) and, after that, while its run holds a model (`holdsModel`,
    /// asked of succeeded and cancelled jobs): loading a model reads its training data (shapes,
    /// standardisation statistics, splits), so deleting the data would leave a job whose model
    /// the service, `eval`, `logprob` and `sample` cannot load. The job–data-set links stay: a
    /// job keeps naming the data sets its config reads, whatever happens to them later.
    func deleteDataset(_ id: String, holdsModel: @escaping @Sendable (_ jobId: String) -> Bool) async throws -> DatasetDeleteOutcome

    // MARK: Jobs

    /// Stores a new queued job with its first event, if every data set it names still exists;
    /// returns the ids of missing data sets otherwise.
    func insertJob(_ job: JobRecord, datasets: [String], now: Double) async throws -> Result<JobRecord, MissingDatasets>
    func job(_ id: String) async throws -> JobRecord?
    func datasetIds(ofJob id: String) async throws -> [String]
    /// Newest first; `before` is the `seq` of the last job of the previous page.
    func jobs(status: JobStatus?, before: Int64?, limit: Int) async throws -> [JobRecord]
    /// Jobs in one state, in the order the scheduler takes them: higher priority first, then older.
    func jobs(in status: JobStatus) async throws -> [JobRecord]
    func statusCounts() async throws -> [JobStatus: Int]
    /// Moves a job from one of `allowed` to `status` in one transaction with its state event;
    /// `change` adjusts other fields (pid, timestamps, failure) in the same transaction. A job
    /// leaving `running` gives up its lease.
    func transition(
        _ id: String, from allowed: Set<JobStatus>, to status: JobStatus, message: String?, now: Double,
        change: @escaping @Sendable (inout JobRecord) -> Void
    ) async throws -> JobOutcome
    /// Changes fields of a job without a state change (no event).
    @discardableResult
    func update(_ id: String, change: @escaping @Sendable (inout JobRecord) -> Void) async throws -> JobRecord?

    // MARK: Events

    /// Stores metric lines not stored before (by their key) and folds the new ones into the
    /// job's summary; returns how many were new.
    @discardableResult
    func recordMetrics(jobId: String, lines: [MetricLine], now: Double) async throws -> Int
    func events(jobId: String, after: Int64, limit: Int) async throws -> [EventRecord]

    // MARK: Leases

    /// Claims the first job, by priority then age, whose device is one of `devices` and that is
    /// queued or running under an expired lease: it becomes running, its attempt goes up by one
    /// and `owner` holds it for `leaseSeconds`. Nil when no job is claimable. Concurrent claimers
    /// never get the same job.
    func claim(owner: String, devices: Set<String>, leaseSeconds: Double, now: Double) async throws -> (JobRecord, JobLease)?
    /// Extends a lease the caller still holds (same attempt, same owner, job still running).
    func renew(_ lease: JobLease, leaseSeconds: Double, now: Double) async throws -> FencedOutcome<JobLease>
    /// `transition` made by an attempt: refused once the job has a newer attempt.
    func transition(
        _ lease: JobLease, from allowed: Set<JobStatus>, to status: JobStatus, message: String?, now: Double,
        change: @escaping @Sendable (inout JobRecord) -> Void
    ) async throws -> FencedOutcome<JobRecord>
    /// `recordMetrics` made by an attempt: refused once the job has a newer attempt.
    func recordMetrics(_ lease: JobLease, lines: [MetricLine], now: Double) async throws -> FencedOutcome<Int>
    /// Makes the checkpoint of `step` the job's current one (where a resume continues): refused
    /// once the job has a newer attempt, so a stale host's checkpoint never becomes current.
    func commitCheckpoint(_ lease: JobLease, step: Int, now: Double) async throws -> FencedOutcome<JobRecord>
}

extension JobStore {
    /// The names callers used before the store was a protocol.
    public typealias Outcome = JobOutcome
    public typealias DeleteOutcome = DatasetDeleteOutcome

    public func transition(_ id: String, from allowed: Set<JobStatus>, to status: JobStatus, message: String?, now: Double) async throws
        -> JobOutcome
    {
        try await transition(id, from: allowed, to: status, message: message, now: now, change: { _ in })
    }

    public func transition(
        _ lease: JobLease, from allowed: Set<JobStatus>, to status: JobStatus, message: String?, now: Double
    ) async throws -> FencedOutcome<JobRecord> {
        try await transition(lease, from: allowed, to: status, message: message, now: now, change: { _ in })
    }
}
