import FlowCore

/// Why NVRTC could not compile a program (`DynamicLibraryError` says why it could not be opened).
public enum NVRTCError: Error, CustomStringConvertible, Equatable {
    /// An NVRTC call other than the compilation itself failed.
    case call(function: String, code: Int32, message: String)
    /// The program did not compile; `log` is NVRTC's full compile log.
    case compilation(program: String, message: String, log: String)
    /// An argument that cannot be handed to C (an option that could not be copied).
    case invalidArgument(detail: String)

    public var description: String {
        switch self {
        case let .call(function, code, message):
            return "NVRTC call \(function) failed with \(message) (\(code))"
        case let .compilation(program, message, log):
            return "NVRTC could not compile '\(program)' (\(message)). Compile log:\n\(log)"
        case let .invalidArgument(detail):
            return "NVRTC: invalid argument: \(detail)"
        }
    }
}
