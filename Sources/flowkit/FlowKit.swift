import ArgumentParser
import Foundation

@main
struct FlowKit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flowkit",
        abstract: "Normalizing-flow training on CPUs and OpenCL devices.",
        subcommands: [TrainCommand.self, EvalCommand.self, LogProbCommand.self, SampleCommand.self, DevicesCommand.self, BenchCommand.self])

    static func main() {
        BLASRelaunch.relaunchIfNeeded()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
