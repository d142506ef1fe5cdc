/// The lease rules both stores apply inside their transactions, written once.
enum LeaseRules {
    /// Why a write of `lease`'s attempt must not count, or nil when it may. The attempt alone is
    /// the fencing token: a job claimed again has a higher one. Late writes of the current attempt
    /// (its last metric lines after it paused) still count: nobody else has worked on the job.
    static func refusal<Value>(_ job: JobRecord, _ lease: JobLease) -> FencedOutcome<Value>? {
        job.attempt == lease.attempt ? nil : .staleAttempt(currentAttempt: job.attempt, owner: job.leaseOwner)
    }

    /// Whether a claimer may take the job now: queued, or running under a lease that has expired.
    /// A job running without a lease belongs to the single-host scheduler and is never claimed.
    static func isClaimable(_ job: JobRecord, now: Double) -> Bool {
        if job.status == .queued { return true }
        guard job.status == .running, job.leaseOwner != nil, let expiry = job.leaseExpiresAt else { return false }
        return expiry < now
    }

    /// The claim itself: a new attempt, leased to `owner`.
    static func claim(_ job: inout JobRecord, owner: String, leaseSeconds: Double, now: Double) -> JobLease {
        job.status = .running
        job.attempt += 1
        job.leaseOwner = owner
        job.leaseExpiresAt = now + leaseSeconds
        if job.startedAt == nil { job.startedAt = now }
        return JobLease(jobId: job.id, owner: owner, attempt: job.attempt, expiresAt: now + leaseSeconds)
    }

    /// The state event's message for a claim.
    static func claimMessage(previous: JobRecord, owner: String, attempt: Int) -> String {
        if previous.status == .running, let holder = previous.leaseOwner {
            return "claimed by \(owner) (attempt \(attempt)) after the lease of \(holder) expired"
        }
        return "claimed by \(owner) (attempt \(attempt))"
    }

    /// A state change as both stores make it, fenced or not: `job` moves to `status` and takes
    /// `change` when its status is one of `allowed`. Returns the status it left, or nil (a
    /// conflict: the job is left as it was).
    static func transition(
        _ job: inout JobRecord, from allowed: Set<JobStatus>, to status: JobStatus, change: (inout JobRecord) -> Void
    ) -> JobStatus? {
        guard allowed.contains(job.status) else { return nil }
        let previous = job.status
        job.status = status
        change(&job)
        releaseIfStopped(&job)
        return previous
    }

    /// A job that leaves `running` gives up its lease (its attempt stays: the fencing token).
    static func releaseIfStopped(_ job: inout JobRecord) {
        if job.status != .running {
            job.leaseOwner = nil
            job.leaseExpiresAt = nil
        }
    }

    /// Folds new metric lines into a job's summary.
    static func fold(_ line: MetricLine, into job: inout JobRecord) {
        if line.event == "train" || line.event == "skip" || line.event == "checkpoint" { job.step = max(job.step, line.step) }
        if line.event == "checkpoint" { job.checkpointStep = line.step }
        if let loss = line.loss { job.loss = loss }
        if let nll = line.validationNLL { job.validationNLL = nll }
        if let bits = line.bitsPerDim { job.bitsPerDim = bits }
        if let nll = line.testNLL { job.testNLL = nll }
    }
}
