import FlowLayers
import FlowRuntime
import Foundation

/// Runs a training job in a run directory: batches → mean NLL → backward → Adam, with
/// validation, the best model, checkpoints (periodic, on SIGINT/SIGTERM, and at the end), and
/// exact resumption: a run killed at any moment and resumed ends with the same parameters as an
/// uninterrupted one, because everything that shapes the next step — parameters, moments, step,
/// random streams, data position, learning-rate factor — is in the checkpoint and every
/// computation is deterministic.
public final class Trainer {
    public struct Options: Sendable {
        public var resume = false
        public var stepsOverride: Int?
        public var seedOverride: UInt64?
        /// Where progress goes (the CLI prints it; tests collect it).
        public var log: @Sendable (String) -> Void = { print($0) }
        /// Live progress line on a terminal.
        public var interactive = false

        public init() {}
    }

    public struct Summary: Sendable {
        public var step: Int
        public var stoppedEarly: Bool
        public var interrupted: Bool
        public var validation: Evaluator.Result?
        public var test: Evaluator.Result?
        /// The true density's entropy (built-in toy data), for the gap `test NLL − entropy`.
        public var entropy: Double?
    }

    public let config: TrainingConfig
    public let run: RunDirectory
    public let device: any Device
    public let data: LoadedData
    public let flow: Flow
    public let adam: Adam
    let options: Options
    let store: CheckpointStore
    var state: CheckpointMetadata

    public init(config given: TrainingConfig?, run: RunDirectory, device: any Device, options: Options) throws {
        self.run = run
        self.device = device
        self.options = options
        if run.holdsRun && !options.resume {
            throw ConfigError(key: "", "run directory \(run.url.path) already holds a run; pass --resume to continue it, or choose another directory")
        }
        var config: TrainingConfig
        if options.resume, run.holdsRun {
            config = try run.savedConfig()
            if let given, given.data != config.data || given.model != config.model {
                throw ConfigError(key: "", "the config differs from the one saved in \(run.config.path) (data or model); resume with the saved one")
            }
        } else {
            guard let given else { throw ConfigError(key: "", "no config given") }
            config = given
        }
        if let steps = options.stepsOverride { config.train.steps = steps }
        if let seed = options.seedOverride, !(options.resume && run.holdsRun) { config.train.seed = seed }
        self.config = config
        data = try DataLoader.load(config.data, seed: config.train.seed)
        flow = try ModelBuilder.build(config, data: data, seed: config.train.seed, on: device)
        var settings = Adam.Settings()
        settings.weightDecay = Float(config.train.weightDecay)
        adam = try Adam(parameters: flow.parameters, settings: settings)
        store = CheckpointStore(runDirectory: run.url, keep: config.train.keepCheckpoints)
        state = CheckpointMetadata(
            step: 0, streams: [:], dataEpoch: 0, dataOffset: 0, learningRateFactor: 1, nonFiniteStreak: 0,
            bestValidation: nil, bestStep: nil, stepsWithoutImprovement: 0, parameterNames: flow.parameters.map(\.name))
        if options.resume, let (tensors, metadata) = store.loadLatest(warn: options.log) {
            try ModelSnapshot.restore(flow: flow, adam: adam, adamStep: metadata.step, from: tensors, other: metadata.modelState, source: "checkpoint step \(metadata.step)")
            state = metadata
            if let stream = metadata.streams["data"] {
                data.source.position = DataPosition(
                    stream: RandomStream(seed: stream.seed, counter: stream.counter), epoch: metadata.dataEpoch, offset: metadata.dataOffset)
            }
            try run.truncateMetrics(after: metadata.step)
            options.log("resuming from step \(metadata.step)")
        } else {
            // A resumed run that had no checkpoint yet starts over: drop what it had logged.
            if options.resume { try run.truncateMetrics(after: 0) }
            try run.create(with: config)
        }
    }

    /// Trains until `config.train.steps`, a stop signal, early stopping, or an error.
    public func train() throws -> Summary {
        let train = config.train
        let schedule = train.learningRateSchedule
        let progress = Progress(total: train.steps, interactive: options.interactive, log: options.log)
        var stoppedEarly = false
        var interrupted = false
        var lastValidation: Evaluator.Result?
        while state.step < train.steps {
            if StopSignal.requested {
                interrupted = true
                break
            }
            let step = state.step + 1
            let batchValues = try data.source.nextBatch(train.batchSize)
            let batch = try Tensor(batchValues, shape: [train.batchSize] + data.source.eventShape, on: device)
            flow.zeroGrad()
            let (lossTensor, _) = try flow.meanNLLBackward(batch)
            let loss = Double(try lossTensor.toArray()[0])
            let gradNorm = try flow.parameters.gradientNorm()
            let rate = schedule.rate(at: step) * state.learningRateFactor
            if loss.isFinite && gradNorm.isFinite {
                state.nonFiniteStreak = 0
                if let limit = train.clipGradNorm, gradNorm > limit { try flow.parameters.scaleGradients(by: Float(limit / gradNorm)) }
                try adam.update(learningRate: Float(rate))
            } else {
                try skipNonFinite(step: step, loss: loss, batch: batch)
            }
            state.step = step
            progress.update(step: step, loss: loss, bitsPerDim: data.isImage ? bitsPerDim(loss) : nil)
            if step % train.logEvery == 0 || step == train.steps {
                try run.appendMetric([
                    "event": .string("train"), "step": .number(Double(step)), "loss": .number(loss.isFinite ? loss : -1),
                    "learningRate": .number(rate), "gradNorm": .number(gradNorm.isFinite ? gradNorm : -1),
                    "stepsPerSecond": .number(progress.stepsPerSecond),
                ])
            }
            if step % train.evalEvery == 0 || step == train.steps {
                lastValidation = try validate(step: step)
                if let patience = train.earlyStoppingPatience, state.stepsWithoutImprovement >= patience * train.evalEvery {
                    options.log("early stopping at step \(step): no validation improvement in \(patience) evaluations")
                    stoppedEarly = true
                }
                try drawPictures()
            }
            if step % train.checkpointEvery == 0 || step == train.steps || stoppedEarly { try checkpoint() }
            if stoppedEarly { break }
        }
        progress.finish()
        if interrupted {
            try checkpoint()
            options.log("stopped by signal at step \(state.step); checkpoint written, resume with --resume")
        }
        let test = interrupted ? nil : try Evaluator.evaluate(flow, data: data.source.test, isImage: data.isImage, batchSize: 1024, seed: config.train.seed, on: device)
        if let test {
            try run.appendMetric(["event": .string("test"), "step": .number(Double(state.step)), "testNLL": .number(test.nll)])
            options.log(String(format: "test NLL %.4f nats%@", test.nll, data.toy?.entropy.map { String(format: " (true entropy %.4f, gap %.4f)", $0, test.nll - $0) } ?? ""))
        }
        return Summary(step: state.step, stoppedEarly: stoppedEarly, interrupted: interrupted, validation: lastValidation, test: test, entropy: data.toy?.entropy)
    }

    private func bitsPerDim(_ nll: Double) -> Double {
        FlowLayers.bitsPerDim(nll: nll, dimensions: data.source.eventShape.reduce(1, *))
    }

    /// A non-finite loss or gradient: the update is skipped and the learning rate lowered; too
    /// many in a row stop the run with the name of the first transform that produced it.
    private func skipNonFinite(step: Int, loss: Double, batch: Tensor) throws {
        state.nonFiniteStreak += 1
        state.learningRateFactor *= config.train.nonFiniteLearningRateFactor
        let culprit = (try? flow.firstNonFinite(batch)).flatMap { $0 } ?? "unknown (the backward pass)"
        options.log("step \(step): non-finite loss or gradient (first non-finite transform: \(culprit)); update skipped, learning-rate factor now \(state.learningRateFactor)")
        try run.appendMetric(["event": .string("skip"), "step": .number(Double(step)), "transform": .string(culprit)])
        if state.nonFiniteStreak >= config.train.maxNonFiniteSteps {
            throw ModelSnapshot.TrainingError(
                message: "\(state.nonFiniteStreak) consecutive non-finite steps (last at step \(step), first non-finite transform: \(culprit)); stopping. The last good checkpoint is kept.")
        }
    }

    private func validate(step: Int) throws -> Evaluator.Result {
        let result = try Evaluator.evaluate(flow, data: data.source.validation, isImage: data.isImage, batchSize: 1024, seed: config.train.seed, on: device)
        var metric: [String: JSONValue] = ["event": .string("eval"), "step": .number(Double(step)), "validationNLL": .number(result.nll)]
        if let bits = result.bitsPerDim { metric["bitsPerDim"] = .number(bits) }
        try run.appendMetric(metric)
        if result.nll < (state.bestValidation ?? .infinity) {
            state.bestValidation = result.nll
            state.bestStep = step
            state.stepsWithoutImprovement = 0
            let (tensors, other) = try ModelSnapshot.tensors(flow: flow, adam: nil)
            try AtomicFile.write(SafeTensors.encode(tensors, metadata: ["format": "flowkit-model", "step": "\(step)"]), to: run.bestModel)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(encoder.encode(BestManifest(step: step, validationNLL: result.nll, modelState: other)), to: run.bestManifest)
        } else {
            state.stepsWithoutImprovement += config.train.evalEvery
        }
        return result
    }

    private func checkpoint() throws {
        let (tensors, other) = try ModelSnapshot.tensors(flow: flow, adam: adam)
        let position = data.source.position
        state.streams["data"] = .init(seed: position.stream.seed, counter: position.stream.counter)
        state.dataEpoch = position.epoch
        state.dataOffset = position.offset
        state.modelState = other
        try store.save(tensors: tensors, metadata: state)
    }

    private func drawPictures() throws {
        try Pictures.draw(trainer: self)
    }
}

/// `best.json`: which step the best model comes from.
public struct BestManifest: Codable, Sendable {
    public var step: Int
    public var validationNLL: Double
    public var modelState: [String: TransformStateValue]
}
