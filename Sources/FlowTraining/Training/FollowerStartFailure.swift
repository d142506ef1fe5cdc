/// A rank other than 0 failed to start while rank 0 failed too: rank 0 prints the job's error,
/// and the same words from every rank would only interleave with it on a shared terminal.
/// The command leaves with a failure status and no text of its own.
public struct FollowerStartFailure: Error, CustomStringConvertible {
    public let rank: Int
    public let underlying: any Error
    public var description: String { "rank \(rank) could not start: \(underlying)" }
}
