import ArgumentParser
import FlowLayers
import FlowRuntime
import FlowTraining
import Foundation

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Mean negative log-likelihood of a data file under a trained model, as one JSON line.",
        discussion: #"""
            Prints {"nll": <nats per example>, "bitsPerDim": <for images, else null>, "count": N, \#
            "nonFiniteCount": <examples whose log-density is not finite>, "negativeInfinityCount": <of \#
            those, the examples at -inf>, "model": "<which model>"}. Uses the run's best model, else \#
            its newest checkpoint. A log-density is -inf where the example lies outside the model's \#
            support (an image value that is not a level, a non-binary value under a Bernoulli \#
            decoder) or its density is below what Float represents (its state left Float's range \#
            inside the flow); a model with finite parameters gives no NaN. JSON has no NaN or \#
            infinity: a figure that is not finite is null, and "nonFinite" names it with its value, \#
            e.g. "nonFinite": {"nll": "inf"}.

            Models with stochastic layers (a VAE) have no exact log-density: "nll" is then the \#
            importance-weighted estimate −log((1/k) Σ_i exp w_i) of k draws w_i of the one-draw \#
            ELBO per example (IWAE), "importanceSamples" is k (default: the model's \#
            model.importanceSamples; 1 for dequantized image flows, their documented single-draw \#
            convention), and "negativeELBO" (with "negativeELBOBitsPerDim" for images) is the mean \#
            of −w_i. The draws come from fixed streams of the run's seed, so repeated calls agree.
            """#)

    @Option(name: .long, parsing: .unconditional, help: "The run directory of a trained model.")
    var runDir: String

    @Option(name: .long, help: "Data file in the training data's format (CSV or NPY; NPY uint8 or IDX for images).")
    var data: String

    // .unconditional: `--importance-samples -1` is the value -1 (a range error), not a missing value.
    @Option(name: .long, parsing: .unconditional, help: "Draws per example for models with stochastic layers (default: the model's own).")
    var importanceSamples: Int?

    @OptionGroup var device: DeviceOption

    func validate() throws {
        try ArgumentChecks.runDirectory(runDir)
        if let importanceSamples { try ArgumentChecks.count(importanceSamples, "--importance-samples", in: ConfigLimits.importanceSamples) }
    }

    func run() throws {
        let target = try device.resolve()
        let model = try TrainedModel.load(run: RunDirectory(runDir), device: target, warn: printError)
        let examples = try model.readData(data)
        let result = try Evaluator.evaluate(
            model.flow, data: examples, isImage: model.data.isImage, batchSize: 1024, seed: model.config.train.seed,
            importanceSamples: importanceSamples, on: target)
        var fields: [String: JSONValue] = [
            "nll": .number(result.nll), "bitsPerDim": result.bitsPerDim.map(JSONValue.number) ?? .null, "count": .number(Double(result.count)),
            "nonFiniteCount": .number(Double(result.nonFinite)), "negativeInfinityCount": .number(Double(result.negativeInfinite)),
            "model": .string(model.source),
            "importanceSamples": .number(Double(result.importanceSamples)),
        ]
        if let elbo = result.negativeELBO {
            fields["negativeELBO"] = .number(elbo)
            if model.data.isImage { fields["negativeELBOBitsPerDim"] = .number(bitsPerDim(nll: elbo, dimensions: examples.exampleSize)) }
        }
        let line = try MetricRecord.encode(fields)
        print(String(decoding: line, as: UTF8.self))
    }
}
