import ArgumentParser
import FlowRuntime

/// `--device`, shared by every command that computes.
struct DeviceOption: ParsableArguments {
    @Option(name: .long, help: "Device: cpu, opencl (the first OpenCL device), opencl:N, cuda (the first CUDA device) or cuda:N (see `flowkit devices`). Default: $FLOWKIT_DEVICE, else cpu.")
    var device: String?

    func resolve() throws -> any Device {
        if let device { return try DeviceRegistry.device(named: device) }
        return try DeviceRegistry.defaultDevice()
    }
}

/// Writes to standard error (warnings and progress that must not mix with a command's output).
func printError(_ message: String) {
    var standardError = StandardError()
    print(message, to: &standardError)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandleOutput.standardError(string)
    }
}
