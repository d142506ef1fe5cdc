/// Where a job stands. `queued → running → succeeded | failed`; `running → paused | cancelled |
/// queued` (a graceful server stop, or a restart after a crash); `paused | failed → queued`
/// (`/resume`); `queued | paused | failed → cancelled`; `queued → paused`.
public enum JobStatus: String, Codable, Sendable, CaseIterable {
    case queued, running, paused, succeeded, failed, cancelled

    /// The job has stopped for good unless someone acts: an event stream of it ends here.
    public var isFinished: Bool { self == .succeeded || self == .failed || self == .cancelled }

    /// States in which a job still needs its data sets (it may run again).
    public static let needingData: [JobStatus] = [.queued, .running, .paused, .failed]

    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
