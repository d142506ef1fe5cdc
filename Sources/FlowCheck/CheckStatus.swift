/// The verdict of one row of `flowkit check`.
public enum CheckStatus: String, Codable, Sendable {
    case pass
    case fail
    /// Not applicable on this device or host (e.g. NVRTC not installed); never a failure.
    case skipped
}
