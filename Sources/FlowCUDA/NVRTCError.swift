import FlowCore

/// Why NVRTC could not be opened or could not compile a program.
public enum NVRTCError: Error, CustomStringConvertible, Equatable {
    /// No candidate library could be opened; each attempt with the dynamic linker's reason.
    case libraryNotFound(attempts: [String])
    /// The library opened but lacks an entry point flowkit needs (not NVRTC 12, or damaged).
    case missingSymbol(name: String, library: String)
    /// An NVRTC call other than the compilation itself failed.
    case call(function: String, code: Int32, message: String)
    /// The program did not compile; `log` is NVRTC's full compile log.
    case compilation(program: String, message: String, log: String)
    /// An argument that cannot be handed to C (an option that could not be copied).
    case invalidArgument(detail: String)

    public var description: String {
        switch self {
        case let .libraryNotFound(attempts):
            return "NVRTC (libnvrtc.so.12) not found; tried:\n" + attempts.map { "  \($0)" }.joined(separator: "\n")
        case let .missingSymbol(name, library):
            return "\(library) has no symbol \(name) (not NVRTC 12?)"
        case let .call(function, code, message):
            return "NVRTC call \(function) failed with \(message) (\(code))"
        case let .compilation(program, message, log):
            return "NVRTC could not compile '\(program)' (\(message)). Compile log:\n\(log)"
        case let .invalidArgument(detail):
            return "NVRTC: invalid argument: \(detail)"
        }
    }
}
