import FlowDistributed
import FlowLayers
import FlowRuntime
import Foundation

/// Runs a training job in a run directory: batches → mean NLL → backward → Adam, with
/// validation, the best model, checkpoints (periodic, on SIGINT/SIGTERM, and at the end), and
/// exact resumption: a run killed at any moment and resumed ends with the same parameters as an
/// uninterrupted one, because everything that shapes the next step — parameters, moments, step,
/// random streams, data position, learning-rate factor — is in the checkpoint and every
/// computation is deterministic.
///
/// Data-parallel (`mpirun -np N flowkit train`, `Options.communicator`): every rank builds the
/// same model from the same data and draws the same batches; `MicroBatchStep` shares out the
/// step's micro-batches and adds their gradients in micro-batch order, so every rank takes the
/// same step and the run is bit-identical on any N dividing `train.microBatches`. Validation
/// runs on every rank (early stopping and the best step are then decided alike); rank 0 alone
/// holds the run lock and writes checkpoints, metrics, the best model and pictures.
public final class Trainer {
    public struct Options: Sendable {
        public var resume = false
        public var stepsOverride: Int?
        public var seedOverride: UInt64?
        /// Refuse to resume from a checkpoint computed with other numerics (`NumericsCheck`).
        public var strictNumerics = false
        /// Where progress goes (the CLI prints it; tests collect it).
        public var log: @Sendable (String) -> Void = { print($0) }
        /// Where warnings go (the CLI writes them to standard error, apart from the progress).
        public var warn: @Sendable (String) -> Void = { FileHandle.standardError.write(Data("\($0)\n".utf8)) }
        /// Live progress line on a terminal.
        public var interactive = false
        /// The ranks this run trains on: rank 0 of 1 unless an MPI launcher started the process.
        public var communicator: any Communicator = SingleProcessCommunicator()

        public init() {}
    }

    public struct Summary: Sendable {
        public var step: Int
        public var stoppedEarly: Bool
        public var interrupted: Bool
        public var validation: Evaluator.Result?
        /// The test set under the model `flowkit eval` uses (the best model, else the final one)…
        public var test: Evaluator.Result?
        /// …which is this one, in words ("best model (step 4500)")…
        public var testModel: String?
        /// …and under the final parameters, when they are not that model.
        public var finalTest: Evaluator.Result?
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
    /// Held by rank 0 from here to the end of the run: one trainer (job) per run directory.
    let lock: RunLock?
    let communicator: any Communicator
    /// The step of a run with several micro-batches or ranks; nil for one process on the
    /// undivided batch, which keeps the original step.
    let microBatchStep: MicroBatchStep?
    /// The bytes each rank sends per step in the data-parallel exchange (nil: one process, undivided batches).
    public var exchangeBytesPerRank: Int? { microBatchStep?.exchange.bytesSentPerRank }
    /// Set when every rank has agreed to stop (a signal reached any of them).
    private var stopAgreed = false

    public init(config given: TrainingConfig?, run: RunDirectory, device: any Device, options givenOptions: Options) throws {
        var options = givenOptions
        communicator = options.communicator
        let leader = communicator.isLeader
        if !leader {
            // Rank 0 speaks for the job; the others' progress and warnings would repeat it.
            (options.log, options.warn, options.interactive) = ({ _ in }, { _ in }, false)
        }
        self.run = run
        self.device = device
        self.options = options
        // Every rank decides from the directory as it was before rank 0 creates the run in it.
        let holdsRun = run.holdsRun
        if communicator.size > 1 { try communicator.barrier() }
        var lock: RunLock?
        var outcome: Result<(Start, MicroBatchStep?), any Error>
        do {
            if leader { lock = try RunLock(run) }
            let start = try Self.start(given, run: run, holdsRun: holdsRun, leader: leader, device: device, options: options)
            let train = start.config.train
            let step =
                train.microBatches > 1 || communicator.size > 1
                ? try MicroBatchStep(
                    flow: start.flow, device: device, eventShape: start.data.source.eventShape, batchSize: train.batchSize,
                    microBatches: train.microBatches, communicator: communicator)
                : nil
            outcome = .success((start, step))
        } catch {
            // Nothing was written: a failed start leaves no run directory behind.
            if !run.holdsRun { lock?.abandon() }
            outcome = .failure(error)
        }
        // A rank that cannot start must not leave the others waiting in the first exchange.
        let failed = try Self.failedRanks(ok: (try? outcome.get()) != nil, communicator)
        if case .failure(let error) = outcome, !leader, failed.contains(0) {
            throw FollowerStartFailure(rank: communicator.rank, underlying: error)
        }
        let (start, step) = try outcome.get()
        if let rank = failed.first {
            if !run.holdsRun { lock?.abandon() }
            throw DistributedError("rank \(rank) could not start the run (its error is above); no rank trains")
        }
        self.lock = lock
        microBatchStep = step
        (config, data, flow, adam, store, state) = (start.config, start.data, start.flow, start.adam, start.store, start.state)
        if leader { warnAboutSize() }
    }

    /// The ranks whose start failed, known to every rank (one byte each, gathered).
    private static func failedRanks(ok: Bool, _ communicator: any Communicator) throws -> [Int] {
        guard communicator.size > 1 else { return [] }
        let flags = try communicator.allGather([ok ? 1 : 0])
        return flags.indices.filter { flags[$0] == 0 }
    }

    /// What a run starts from: the config, data and model, and the newest checkpoint's state.
    private struct Start {
        var config: TrainingConfig
        var data: LoadedData
        var flow: Flow
        var adam: Adam
        var store: CheckpointStore
        var state: CheckpointMetadata
    }

    /// `leader`: rank 0, which alone writes to the run directory (a new run's config, metrics
    /// truncated on resume); the other ranks only read it.
    private static func start(
        _ given: TrainingConfig?, run: RunDirectory, holdsRun: Bool, leader: Bool, device: any Device, options: Options
    ) throws -> Start {
        if holdsRun && !options.resume {
            throw ConfigError(key: "", "run directory \(run.url.path) already holds a run; pass --resume to continue it, or choose another directory")
        }
        var config: TrainingConfig
        if options.resume, holdsRun {
            config = try run.savedConfig()
            if let given, given.data != config.data || given.model != config.model {
                throw ConfigError(key: "", "the config differs from the one saved in \(run.config.path) (data or model); resume with the saved one")
            }
        } else {
            guard let given else { throw ConfigError(key: "", "no config given") }
            config = given
        }
        // Before anything is written: a rank count that does not divide K is refused by every rank alike.
        _ = try MicroBatchAssignment(microBatches: config.train.microBatches, ranks: options.communicator.size)
        if let steps = options.stepsOverride { config.train.steps = steps }
        if let seed = options.seedOverride, !(options.resume && holdsRun) { config.train.seed = seed }
        let data = try DataLoader.load(config.data, seed: config.train.seed)
        let flow = try ModelBuilder.build(config, data: data, seed: config.train.seed, on: device)
        var settings = Adam.Settings()
        settings.weightDecay = Float(config.train.weightDecay)
        let adam = try Adam(parameters: flow.parameters, settings: settings)
        let store = CheckpointStore(runDirectory: run.url, keep: config.train.keepCheckpoints)
        var state = CheckpointMetadata(
            step: 0, streams: [:], dataEpoch: 0, dataOffset: 0, learningRateFactor: 1, nonFiniteStreak: 0,
            bestValidation: nil, bestStep: nil, stepsWithoutImprovement: 0, parameterNames: flow.parameters.map(\.name))
        if options.resume, let (tensors, metadata) = store.loadLatest(warn: options.warn) {
            let numerics = try NumericsCheck.resume(recorded: metadata.numerics, current: device.numerics, step: metadata.step, strict: options.strictNumerics)
            if let numerics { options.warn(numerics) }
            try ModelSnapshot.restore(
                flow: flow, adam: adam, adamStep: metadata.step, from: tensors, other: metadata.modelState, source: "checkpoint step \(metadata.step)")
            state = metadata
            if let stream = metadata.streams["data"] {
                data.source.position = DataPosition(
                    stream: RandomStream(seed: stream.seed, counter: stream.counter), epoch: metadata.dataEpoch, offset: metadata.dataOffset)
            }
            if leader { try run.truncateMetrics(after: metadata.step) }
            options.log("resuming from step \(metadata.step)")
        } else {
            // A resumed run that had no checkpoint yet starts over: drop what it had logged.
            if leader {
                if options.resume { try run.truncateMetrics(after: 0) }
                try run.create(with: config)
            }
        }
        return Start(config: config, data: data, flow: flow, adam: adam, store: store, state: state)
    }

    /// Small tabular data sets are where a default-sized model silently overfits or diverges:
    /// say so before training (the README's "Small data" section says how to size a model).
    private func warnAboutSize() {
        guard let rows = (data.source as? ArrayTrainingData)?.train.count else { return }
        let values = rows * data.source.eventShape.reduce(1, *)
        let parameters = flow.parameters.reduce(0) { $0 + $1.value.count }
        if config.train.batchSize > rows {
            options.warn(
                "warning: train.batchSize \(config.train.batchSize) is larger than the training set (\(rows) examples): "
                    + "each batch repeats examples; use a batch of at most about a quarter of the training set")
        }
        if parameters > 10 * values {
            options.warn(
                "warning: the model has \(parameters) parameters for \(values) training values (\(rows) examples), "
                    + "\(parameters / max(1, values)) per value: expect overfitting and a diverging validation NLL; "
                    + "use a smaller model (e.g. model.hidden 32–64, model.layers 2–4) and train.earlyStoppingPatience")
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
            // Several ranks stop on what the last exchange told them all, so all stop after the same step.
            if communicator.size > 1 ? stopAgreed : StopSignal.requested {
                interrupted = true
                break
            }
            let step = state.step + 1
            let batchValues = try data.source.nextBatch(train.batchSize)
            let loss: Double
            if let microBatchStep {
                (loss, stopAgreed) = try microBatchStep.gradients(batchValues, stopRequested: StopSignal.requested)
            } else {
                let batch = try Tensor(batchValues, shape: [train.batchSize] + data.source.eventShape, on: device)
                flow.zeroGrad()
                let (lossTensor, _) = try flow.meanNLLBackward(batch)
                loss = Double(try lossTensor.toArray()[0])
            }
            let gradNorm = try flow.parameters.gradientNorm()
            let rate = schedule.rate(at: step) * state.learningRateFactor
            if loss.isFinite && gradNorm.isFinite {
                state.nonFiniteStreak = 0
                if let limit = train.clipGradNorm, gradNorm > limit { try flow.parameters.scaleGradients(by: Float(limit / gradNorm)) }
                try adam.update(learningRate: Float(rate))
            } else {
                try skipNonFinite(step: step, loss: loss, batch: batchValues)
            }
            state.step = step
            if communicator.isLeader { progress.update(step: step, loss: loss, bitsPerDim: data.isImage ? bitsPerDim(loss) : nil) }
            // Also the powers of two below the interval, so the loss curve shows the first steps.
            if step % train.logEvery == 0 || step == train.steps || (step < train.logEvery && step & (step - 1) == 0) {
                try appendMetric([
                    "event": .string("train"), "step": .number(Double(step)), "loss": .number(loss),
                    "learningRate": .number(rate), "gradNorm": .number(gradNorm), "stepsPerSecond": .number(progress.stepsPerSecond),
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
        if communicator.isLeader { progress.finish() }
        if interrupted {
            try checkpoint()
            options.log("stopped by signal at step \(state.step); checkpoint written, resume with --resume")
        }
        var summary = Summary(
            step: state.step, stoppedEarly: stoppedEarly, interrupted: interrupted, validation: lastValidation, entropy: data.toy?.entropy)
        if !interrupted && communicator.isLeader { try test(into: &summary) }
        return summary
    }

    /// The test set under the model `eval`, `logprob` and `sample` use (the best model, else the
    /// final parameters), and under the final parameters too when they differ from it.
    private func test(into summary: inout Summary) throws {
        let model = try TrainedModel.load(run: run, config: config, data: data, device: device, warn: options.warn)
        let test = try Evaluator.evaluate(model.flow, data: data.source.test, isImage: data.isImage, batchSize: 1024, seed: config.train.seed, on: device)
        let final =
            model.step == state.step
            ? nil : try Evaluator.evaluate(flow, data: data.source.test, isImage: data.isImage, batchSize: 1024, seed: config.train.seed, on: device)
        var metric: [String: JSONValue] = [
            "event": .string("test"), "step": .number(Double(state.step)), "testNLL": .number(test.nll),
            "model": .string(model.source), "modelStep": .number(Double(model.step)),
        ]
        if let bits = test.bitsPerDim { metric["bitsPerDim"] = .number(bits) }
        if let final { metric["finalTestNLL"] = .number(final.nll) }
        if let elbo = test.negativeELBO, test.importanceSamples > 1 {
            metric["importanceSamples"] = .number(Double(test.importanceSamples))
            metric["testNegativeELBO"] = .number(elbo)
        }
        try appendMetric(metric)
        let gap = data.toy?.entropy.map { " (true entropy \(Self.format($0)), gap \(Self.format(test.nll - $0)))" } ?? ""
        let bits = test.bitsPerDim.map { ", \(Self.format($0, digits: 3)) bits/dim" } ?? ""
        let other = final.map { "; final parameters (step \(state.step)): \(Self.format($0.nll))" } ?? ""
        let bound =
            test.negativeELBO.flatMap { elbo in
                test.importanceSamples > 1 ? " (importance-weighted, k = \(test.importanceSamples); negative ELBO \(Self.format(elbo)))" : nil
            } ?? ""
        options.log("test NLL \(Self.format(test.nll)) nats\(bits)\(bound)\(gap) with the \(model.source)\(other)")
        if test.nonFinite > 0 {
            options.warn("warning: \(test.nonFinite) of \(test.count) test examples have a non-finite log-density under the \(model.source)")
        }
        summary.test = test
        summary.testModel = model.source
        summary.finalTest = final
    }

    /// A figure for the log: fixed decimals, or nan/inf/-inf.
    static func format(_ value: Double, digits: Int = 4) -> String {
        value.isFinite ? String(format: "%.\(digits)f", value) : MetricRecord.name(value)
    }

    private func bitsPerDim(_ nll: Double) -> Double {
        FlowLayers.bitsPerDim(nll: nll, dimensions: data.source.eventShape.reduce(1, *))
    }

    /// A non-finite loss or gradient: the update is skipped and the learning rate lowered; too
    /// many in a row stop the run with the name of the first transform that produced it.
    private func skipNonFinite(step: Int, loss: Double, batch values: [Float]) throws {
        state.nonFiniteStreak += 1
        state.learningRateFactor *= config.train.nonFiniteLearningRateFactor
        // Only for the message, so only where it is shown (rank 0).
        let culprit =
            communicator.isLeader
            ? (try? flow.firstNonFinite(Tensor(values, shape: [config.train.batchSize] + data.source.eventShape, on: device))).flatMap { $0 }
                ?? "unknown (the backward pass)"
            : "unknown (the backward pass)"
        options.warn(
            "warning: step \(step): non-finite loss or gradient (first non-finite transform: \(culprit)); update skipped, learning-rate factor now \(state.learningRateFactor)"
        )
        try appendMetric(["event": .string("skip"), "step": .number(Double(step)), "transform": .string(culprit)])
        if state.nonFiniteStreak >= config.train.maxNonFiniteSteps {
            throw ModelSnapshot.TrainingError(
                message:
                    "\(state.nonFiniteStreak) consecutive non-finite steps (last at step \(step), first non-finite transform: \(culprit)); stopping. The last good checkpoint is kept."
            )
        }
    }

    /// A validation that is not finite (a diverged model, or validation examples it gives zero
    /// density) is logged and counts as no improvement: the best model so far is kept, and early
    /// stopping, when configured, ends the run.
    private func validate(step: Int) throws -> Evaluator.Result {
        // One draw per example even for a VAE (its negative ELBO with fixed noise): the cheap,
        // unbiased-in-expectation criterion for the best model; the test uses importance sampling.
        let result = try Evaluator.evaluate(
            flow, data: data.source.validation, isImage: data.isImage, batchSize: 1024, seed: config.train.seed, importanceSamples: 1, on: device)
        var metric: [String: JSONValue] = ["event": .string("eval"), "step": .number(Double(step)), "validationNLL": .number(result.nll)]
        if let bits = result.bitsPerDim { metric["bitsPerDim"] = .number(bits) }
        if result.nonFinite > 0 { metric["nonFiniteExamples"] = .number(Double(result.nonFinite)) }
        try appendMetric(metric)
        if !result.nll.isFinite {
            let kept = state.bestStep.map { "the best model (step \($0)) is kept" } ?? "there is no best model yet"
            options.warn(
                "warning: step \(step): validation NLL is \(MetricRecord.name(result.nll)) (\(result.nonFinite) of \(result.count) "
                    + "validation examples have a non-finite log-density); \(kept)")
        }
        if result.nll.isFinite, result.nll < (state.bestValidation ?? .infinity) {
            state.bestValidation = result.nll
            state.bestStep = step
            state.stepsWithoutImprovement = 0
            if communicator.isLeader {
                let (tensors, other) = try ModelSnapshot.tensors(flow: flow, adam: nil)
                let bytes = try SafeTensors.encode(tensors, metadata: ["format": "flowkit-model", "step": "\(step)"])
                try BestModelFile.write(run, tensors: bytes, step: step, validationNLL: result.nll, modelState: other)
            }
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
        state.numerics = device.numerics
        guard communicator.isLeader else { return }
        try store.save(tensors: tensors, metadata: state)
        // Reported after the save, so a line never names a checkpoint that is not on disk: the
        // service's job step follows these too (a stop checkpoints at a step no `train` line has).
        try appendMetric(["event": .string("checkpoint"), "step": .number(Double(state.step))])
    }

    private func drawPictures() throws {
        if communicator.isLeader { try Pictures.draw(trainer: self) }
    }

    /// Metrics are rank 0's to write.
    private func appendMetric(_ metric: [String: JSONValue]) throws {
        if communicator.isLeader { try run.appendMetric(metric) }
    }
}
