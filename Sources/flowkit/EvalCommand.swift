import ArgumentParser
import FlowRuntime
import FlowTraining
import Foundation

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Mean negative log-likelihood of a data file under a trained model, as one JSON line.",
        discussion: #"Prints {"nll": <nats per example>, "bitsPerDim": <for images, else null>, "count": N}. Uses the run's best model, else its newest checkpoint."#)

    @Option(name: .long, help: "The run directory of a trained model.")
    var runDir: String

    @Option(name: .long, help: "Data file in the training data's format (CSV or NPY; NPY uint8 or IDX for images).")
    var data: String

    @OptionGroup var device: DeviceOption

    func run() throws {
        let target = try device.resolve()
        let model = try TrainedModel.load(run: RunDirectory(runDir), device: target, warn: printError)
        let examples = try model.readData(data)
        let result = try Evaluator.evaluate(
            model.flow, data: examples, isImage: model.data.isImage, batchSize: 1024, seed: model.config.train.seed, on: target)
        let bits = result.bitsPerDim.map { "\($0)" } ?? "null"
        print(#"{"nll": \#(result.nll), "bitsPerDim": \#(bits), "count": \#(result.count)}"#)
    }
}
