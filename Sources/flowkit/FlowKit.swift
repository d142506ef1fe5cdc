import ArgumentParser
import FlowRuntime
import FlowTraining
import Foundation

@main
struct FlowKit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flowkit",
        abstract: "Normalizing-flow training on CPUs and OpenCL devices.",
        subcommands: [
            TrainCommand.self, EvalCommand.self, LogProbCommand.self, SampleCommand.self, DevicesCommand.self, CheckCommand.self, BenchCommand.self,
            ServeCommand.self, JobsCommand.self,
        ])

    /// Foundation's errors in words (ours and the argument parser's already are).
    static func readable(_ error: any Error) -> any Error {
        guard error is DecodingError || error is CocoaError || type(of: error) is NSError.Type else { return error }
        return Failure(description: ErrorText.describe(error))
    }

    /// A run-time failure, printed as `Error: <description>` (without the usage text a
    /// ValidationError would add).
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func main() async {
        BLASRelaunch.relaunchIfNeeded()
        do {
            // Before any command computes: the CPU's worker pool starts with the count set then.
            if let threads = try CPUThreads.fromEnvironment() { try CPUThreads.set(threads, source: CPUThreads.environmentVariable) }
            var command = try parseAsRoot()
            if var asynchronous = command as? AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: Self.readable(error))
        }
    }
}
