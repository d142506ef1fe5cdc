import ArgumentParser

@main
struct FlowKit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flowkit",
        abstract: "Normalizing-flow training on CPUs and OpenCL devices.",
        subcommands: [DevicesCommand.self, BenchCommand.self])
}
