/// What a change of a job's state came to.
public enum JobOutcome: Sendable {
    case done(JobRecord)
    case notFound
    /// The job is in a state the change does not apply to.
    case conflict(JobRecord)
}
