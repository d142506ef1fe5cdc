/// How a child ended, decoded from `waitpid`'s status word.
public enum ExitStatus: Sendable, Equatable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    init(waitStatus status: Int32) {
        let signal = status & 0x7F
        self = signal == 0 ? .exited((status >> 8) & 0xFF) : .signaled(signal)
    }

    public var description: String {
        switch self {
        case let .exited(code): "exited with status \(code)"
        case let .signaled(signal): "killed by signal \(signal)" + (signal == 9 ? " (SIGKILL: out of memory, or killed)" : "")
        }
    }
}
