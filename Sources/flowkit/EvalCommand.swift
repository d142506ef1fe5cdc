import ArgumentParser
import FlowRuntime
import FlowTraining
import Foundation

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Mean negative log-likelihood of a data file under a trained model, as one JSON line.",
        discussion: #"""
            Prints {"nll": <nats per example>, "bitsPerDim": <for images, else null>, "count": N, \#
            "nonFiniteCount": <examples whose log-density is not finite>, "model": "<which model>"}. \#
            Uses the run's best model, else its newest checkpoint. JSON has no NaN or infinity: a \#
            figure that is not finite is null, and "nonFinite" names it with its value, e.g. \#
            "nonFinite": {"nll": "inf"}.
            """#)

    @Option(name: .long, parsing: .unconditional, help: "The run directory of a trained model.")
    var runDir: String

    @Option(name: .long, help: "Data file in the training data's format (CSV or NPY; NPY uint8 or IDX for images).")
    var data: String

    @OptionGroup var device: DeviceOption

    func validate() throws { try ArgumentChecks.runDirectory(runDir) }

    func run() throws {
        let target = try device.resolve()
        let model = try TrainedModel.load(run: RunDirectory(runDir), device: target, warn: printError)
        let examples = try model.readData(data)
        let result = try Evaluator.evaluate(
            model.flow, data: examples, isImage: model.data.isImage, batchSize: 1024, seed: model.config.train.seed, on: target)
        let line = try MetricRecord.encode([
            "nll": .number(result.nll), "bitsPerDim": result.bitsPerDim.map(JSONValue.number) ?? .null, "count": .number(Double(result.count)),
            "nonFiniteCount": .number(Double(result.nonFinite)), "model": .string(model.source),
        ])
        print(String(decoding: line, as: UTF8.self))
    }
}
