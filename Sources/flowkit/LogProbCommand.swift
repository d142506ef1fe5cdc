import ArgumentParser
import FlowRuntime
import FlowTraining
import Foundation

struct LogProbCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logprob",
        abstract: "Write the log-density (nats) of every example of a data file, one per line.",
        discussion: """
            Values use round-trip formatting: the shortest text that parses back to the same Float. \
            A log-density that is not finite is written as -inf, inf or nan, which NumPy, pandas \
            and Python's float() read back; their count is reported on standard error. -inf means \
            the example lies outside the model's support or its density is below what Float \
            represents (its state left Float's range inside the flow); a model with finite \
            parameters writes no nan. The file is written only once every example has been computed. For a model \
            with stochastic layers (a VAE) each value is the importance-weighted estimate of \
            log p(x) with the model's model.importanceSamples draws from fixed streams of the \
            run's seed (see `flowkit eval --help`); dequantized image flows keep one draw.
            """)

    @Option(name: .long, parsing: .unconditional, help: "The run directory of a trained model.")
    var runDir: String

    @Option(name: .long, help: "Data file in the training data's format.")
    var data: String

    @Option(name: .long, help: "Output CSV file (one log-density per input row, with a header line 'logprob').")
    var out: String

    @OptionGroup var device: DeviceOption

    func validate() throws { try ArgumentChecks.runDirectory(runDir) }

    func run() throws {
        let target = try device.resolve()
        let model = try TrainedModel.load(run: RunDirectory(runDir), device: target, warn: printError)
        let examples = try model.readData(data)
        let logProb = try model.logProbabilities(examples, on: target)
        // Swift prints a Float as the shortest decimal that reads back to the same value.
        let text = "logprob\n" + logProb.map { $0.isFinite ? "\($0)" : MetricRecord.name(Double($0)) }.joined(separator: "\n") + "\n"
        try AtomicFile.write(Data(text.utf8), to: URL(fileURLWithPath: out))
        let nonFinite = logProb.count { !$0.isFinite }
        if nonFinite > 0 {
            printError(
                "warning: \(nonFinite) of \(logProb.count) log-densities are not finite (written as -inf, inf or nan; -inf: outside the model's support, or a density below what Float represents)"
            )
        }
    }
}
