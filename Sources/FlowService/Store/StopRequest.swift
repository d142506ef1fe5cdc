/// Why the service asked a running child to stop (kept in the store, so a restart after a crash
/// still knows what the stop was for).
public enum StopRequest: String, Codable, Sendable {
    /// `/pause`: the child checkpoints and the job becomes paused.
    case pause
    /// `/cancel`: the job becomes cancelled.
    case cancel
    /// The server is stopping: the job goes back to the queue.
    case shutdown
}
