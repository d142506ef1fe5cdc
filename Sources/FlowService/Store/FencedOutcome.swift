/// What a write made under a lease came to. `staleAttempt` is the refusal fencing exists for: the
/// job was claimed again since (or its lease ended), so this attempt's write must not count and
/// the caller should stop the work it is doing for the job.
public enum FencedOutcome<Value: Sendable>: Sendable {
    case done(Value)
    case notFound
    /// The job's current attempt and lease holder are no longer the caller's.
    case staleAttempt(currentAttempt: Int, owner: String?)
    /// The attempt is current but the job is in a state the change does not apply to.
    case conflict(JobRecord)

    /// The value of an accepted write; nil for any refusal.
    public var value: Value? {
        if case let .done(value) = self { return value }
        return nil
    }
}
