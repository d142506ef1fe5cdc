/// A host's claim on a job: who holds it, until when, and the attempt it started. The attempt is
/// the fencing token: a write made under a lease counts only while its attempt is still the job's
/// current one, so a host that stalled past its lease and comes back cannot overwrite the work of
/// the host that claimed the job after it.
public struct JobLease: Sendable, Equatable {
    public var jobId: String
    public var owner: String
    public var attempt: Int
    /// Seconds since 1970.
    public var expiresAt: Double

    public init(jobId: String, owner: String, attempt: Int, expiresAt: Double) {
        self.jobId = jobId
        self.owner = owner
        self.attempt = attempt
        self.expiresAt = expiresAt
    }
}
