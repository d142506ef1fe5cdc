/// Every error the runtime throws. Messages name the op, the shapes or the device involved,
/// so a user can tell what went wrong without a debugger.
public enum FlowError: Error, CustomStringConvertible, Equatable {
    /// Operand shapes that do not fit the op.
    case shapeMismatch(op: String, detail: String)
    /// Operands that live on different devices: flowkit never copies implicitly.
    case deviceMismatch(op: String, detail: String)
    /// A value outside the op's domain (a negative size, an even kernel, a bad permutation...).
    case invalidArgument(op: String, detail: String)
    /// A device name that does not parse or names a device that does not exist.
    case unknownDevice(name: String, detail: String)
    /// A device name of a known kind (`cuda`, `opencl`) where this machine has no device of that
    /// kind; `detail` says why (no driver, no platform).
    case unavailableDevice(name: String, detail: String)
    /// An OpenCL API call that returned an error code.
    case openCL(call: String, code: Int32, name: String)
    /// A CUDA driver API call that returned an error code: its `CUDA_ERROR_…` name and the
    /// driver's description of it.
    case cuda(call: String, code: Int32, name: String, message: String)
    /// A kernel program (OpenCL, or CUDA through NVRTC) that failed to build; `log` is the
    /// compiler's full build log.
    case kernelBuild(program: String, device: String, log: String)
    /// A kernel source that could not be found or read.
    case kernelSource(detail: String)
    /// The device could not provide the memory asked for.
    case allocation(device: String, bytes: Int)

    public var description: String {
        switch self {
        case let .shapeMismatch(op, detail):
            return "\(op): shape mismatch: \(detail)"
        case let .deviceMismatch(op, detail):
            return "\(op): operands on different devices: \(detail)"
        case let .invalidArgument(op, detail):
            return "\(op): invalid argument: \(detail)"
        case let .unknownDevice(name, detail):
            return "unknown device '\(name)': \(detail)"
        case let .unavailableDevice(name, detail):
            return "'\(name)' is a known device, but none is available here: \(detail)"
        case let .openCL(call, code, name):
            return "OpenCL call \(call) failed with \(name) (\(code))"
        case let .cuda(call, code, name, message):
            return "CUDA call \(call) failed with \(name) (\(code))" + (message.isEmpty ? "" : ": \(message)")
        case let .kernelBuild(program, device, log):
            return "kernel program '\(program)' failed to build on \(device). Build log:\n\(log)"
        case let .kernelSource(detail):
            return "kernel source: \(detail)"
        case let .allocation(device, bytes):
            return "\(device): could not allocate \(bytes) bytes"
        }
    }
}
