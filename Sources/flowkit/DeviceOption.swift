import ArgumentParser
import FlowDistributed
import FlowRuntime
import Foundation

/// `--device`, shared by every command that computes.
struct DeviceOption: ParsableArguments {
    @Option(
        name: .long,
        help:
            "Device: cpu, opencl (the first OpenCL device), opencl:N, cuda (the first CUDA device) or cuda:N (see `flowkit devices`). Default: $FLOWKIT_DEVICE, else cpu. Under mpirun or srun a kind without :N means the rank's local-rank device of that kind."
    )
    var device: String?

    /// Under an MPI launcher a bare kind means this rank's own device of it (`LocalRankDevice`).
    func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> any Device {
        let fallback = environment[DeviceRegistry.environmentKey].flatMap { $0.isEmpty ? nil : $0 } ?? "cpu"
        let requested = device ?? fallback
        let kindName = requested.trimmingCharacters(in: .whitespaces).lowercased().prefix { $0 != ":" }
        // Counted only under a launcher: a plain run does not probe a driver it was not asked for.
        let count = MPILaunch.launched(environment) ? DeviceRegistry.catalog.devices(of: DeviceKind(rawValue: String(kindName))).count : 0
        return try DeviceRegistry.device(named: LocalRankDevice.selector(for: requested, devicesOfKind: count, environment: environment))
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
