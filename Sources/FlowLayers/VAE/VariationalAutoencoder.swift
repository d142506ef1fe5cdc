import FlowRuntime

/// A variational autoencoder (Kingma & Welling 2014, arXiv:1312.6114) as a stochastic transform
/// of a flow, in the sense of SurVAE flows (Nielsen et al. 2020, arXiv:2007.02731): its forward
/// pass maps data `x` (`[B, D]`, or images `[B, C, H, W]` flattened to `D = C·H·W`) to a latent
/// `z` (`[B, latent]`) drawn from the encoder's posterior `q(z|x)`, and reports as its "log-det"
///
///     log p(x|z) − log q(z|x)
///
/// so that with the prior after it in the flow (`StandardNormal`, or flow-prior transforms followed
/// by `StandardNormal`) `Flow.logProb(x)` is the one-draw ELBO `log p(z) + log p(x|z) − log q(z|x)`
/// and the trainer's mean NLL is the negative ELBO. It is *not* an exact density: its expectation
/// over the noise is a lower bound on `log p(x)`, which the evaluator tightens by importance
/// weighting (`Evaluator`, k draws, Burda et al. 2016, arXiv:1509.00519).
///
/// Posterior: the encoder MLP gives `(μ, log σ)` (and with an IAF posterior a context `h`),
/// `z₀ = μ + σ ⊙ ε` with `ε ~ N(0, I)` drawn from `noise`; an IAF posterior (Kingma et al. 2016,
/// arXiv:1606.04934) then maps `z₀ → z` by MAF blocks run forward with context `h`: MAF's density
/// direction `z = (z₀ − m(z₀, h)) ⊙ exp(−α(z₀, h))` is one pass and autoregressive, which is IAF's
/// sampling step. So
///
///     log q(z|x) = Σ log N(ε; 0, 1) − Σ log σ − log|det ∂z/∂z₀|
///
/// Decoder: an MLP `z → parameters` of the `observation` model `p(x|z)` (Bernoulli, discretised
/// logistic or Gaussian). `inverse(z)` decodes to the observation model's `location` (a mean or
/// clamped location, not a random draw), reshaped to the data's shape; it has no density, so its
/// log-det is NaN: a sample's log-density must come from the evaluator, never from sampling.
///
/// Noise: like `UniformDequantization`, the layer owns `noise`, a Philox stream position; every
/// forward pass draws `B·latent` normals and advances it, and it is the checkpoint state, so a
/// resumed run is bit-identical. `reconstructsInput` is false. Context is not supported.
public final class VariationalAutoencoder: Bijector {
    public let name: String
    /// One example's shape (`[D]` or `[C, H, W]`).
    public let dataShape: [Int]
    public let latent: Int
    public let encoder: MLP
    public let decoder: MLP
    public let observation: any ObservationModel
    /// The IAF posterior's MAF blocks (nil: a diagonal Gaussian posterior).
    public let posteriorFlow: MAF?
    /// Size of the encoder's context `h` for the posterior flow (0 without one).
    public let posteriorContext: Int
    public var noise: RandomStream
    /// See `StochasticTransform.defaultImportanceSamples`.
    public var evaluationSamples: Int

    /// `encoderHidden` / `decoderHidden`: the MLPs' hidden widths (ReLU); `posteriorBlocks` 0 gives a
    /// Gaussian posterior, more an IAF posterior of that many MADE blocks (`posteriorHidden` units,
    /// `posteriorHiddenLayers` layers, context of `latent` features). The encoder's last layer starts
    /// at zero, so training starts from `q(z|x) = N(0, I)` and an identity IAF.
    public init(
        name: String = "vae", dataShape: [Int], latent: Int, encoderHidden: [Int], decoderHidden: [Int], observation: any ObservationModel,
        posteriorBlocks: Int = 0, posteriorHidden: Int = 64, posteriorHiddenLayers: Int = 1, posteriorActivation: UnaryOp = .relu,
        evaluationSamples: Int = 100, noise: RandomStream, random: inout RandomStream, on device: any Device
    ) throws {
        let features = dataShape.reduce(1, *)
        guard features >= 1, latent >= 1, posteriorBlocks >= 0, evaluationSamples >= 1 else {
            throw FlowError.invalidArgument(
                op: "VariationalAutoencoder(\(name))",
                detail:
                    "data shape \(dataShape), latent \(latent), posterior blocks \(posteriorBlocks), evaluation samples \(evaluationSamples): need positive sizes"
            )
        }
        self.name = name
        self.dataShape = dataShape
        self.latent = latent
        self.observation = observation
        self.noise = noise
        self.evaluationSamples = evaluationSamples
        posteriorContext = posteriorBlocks > 0 ? latent : 0
        encoder = try MLP(
            name: "\(name).encoder", sizes: [features] + encoderHidden + [2 * latent + posteriorContext], random: &random, on: device)
        decoder = try MLP(
            name: "\(name).decoder", sizes: [latent] + decoderHidden + [observation.parametersPerFeature * features], zeroLast: false,
            random: &random, on: device)
        if posteriorBlocks > 0 {
            posteriorFlow = try MAF(
                name: "\(name).iaf", features: latent, blocks: posteriorBlocks, hidden: posteriorHidden, hiddenLayers: posteriorHiddenLayers,
                contextFeatures: posteriorContext, activation: posteriorActivation, random: &random, on: device)
        } else {
            posteriorFlow = nil
        }
    }

    public var parameters: [Parameter] {
        encoder.parameters + (posteriorFlow?.parameters ?? []) + decoder.parameters + observation.parameters
    }

    public var reconstructsInput: Bool { false }
    var features: Int { dataShape.reduce(1, *) }

    struct Tape: BijectorTape {
        var inputShape: [Int]
        var encoderTape: any BijectorTape
        var epsilon: Tensor
        var scale: Tensor
        var posteriorTape: (any BijectorTape)?
        var decoderTape: any BijectorTape
        var observationTape: any BijectorTape
    }

    public func forward(_ x: Tensor, context: Tensor?) throws -> (result: BijectorResult, tape: any BijectorTape) {
        try pass(x, context: context, monitor: nil)
    }

    /// The forward pass; with a monitor, the range rule checks `z₀` before the posterior flow
    /// (whose blocks it checks in turn), and the log-det. The decoder's expression is evaluated
    /// for any real data (its data gradient is defined there); whether the data lie in a discrete
    /// decoder's support is `inSupport`, which evaluation applies.
    private func pass(_ x: Tensor, context: Tensor?, monitor: RangeMonitor?) throws -> (result: BijectorResult, tape: any BijectorTape) {
        try checkNoContext(context)
        guard Array(x.shape.dropFirst()) == dataShape else {
            throw FlowError.shapeMismatch(op: "\(name).forward", detail: "input \(x.shape), expected [B] + \(dataShape)")
        }
        let data = try x.flattenedBatch()
        let encoderInput = try data.affine(scale: observation.encoderInputScale, shift: observation.encoderInputShift)
        let (encoded, encoderTape) = try encoder.forward(encoderInput, context: nil)
        let parts = try encoded.split(posteriorContext > 0 ? [latent, latent, posteriorContext] : [latent, latent])
        let (mean, logScale) = (parts[0], parts[1])
        let epsilon = try noise.next([x.batch, latent], .normal, on: x.device)
        let scale = try logScale.unary(.exp)
        var start = try mean.adding(scale.multiplying(epsilon))
        if let monitor { start = try monitor.admit(start) }
        var z = start
        var logQ = try epsilon.normalLogProb().subtracting(logScale.perSampleSum())
        var posteriorTape: (any BijectorTape)?
        if let posteriorFlow, let monitor {
            let result = try posteriorFlow.forward(start, context: parts[2], monitor: monitor)
            z = result.output
            logQ = try logQ.subtracting(result.logDet)
        } else if let posteriorFlow {
            let (result, tape) = try posteriorFlow.forward(start, context: parts[2])
            z = result.output
            logQ = try logQ.subtracting(result.logDet)
            posteriorTape = tape
        }
        let (decoded, decoderTape) = try decoder.forward(z, context: nil)
        let (logLikelihood, observationTape) = try observation.logLikelihood(data, parameters: decoded)
        let tape = Tape(
            inputShape: x.shape, encoderTape: encoderTape, epsilon: epsilon, scale: scale, posteriorTape: posteriorTape,
            decoderTape: decoderTape, observationTape: observationTape)
        var logDet = try logLikelihood.subtracting(logQ)
        if let monitor { logDet = try monitor.admitLogDet(logDet) }
        return (BijectorResult(output: z, logDet: logDet), tape)
    }

    /// Decodes `z` to the observation model's location; the log-det is NaN (no density).
    public func inverse(_ z: Tensor, context: Tensor?) throws -> BijectorResult {
        try checkNoContext(context)
        guard z.rank == 2, z.shape[1] == latent else {
            throw FlowError.shapeMismatch(op: "\(name).inverse", detail: "latent \(z.shape), expected [B, \(latent)]")
        }
        let decoded = try decoder.forward(z, context: nil).output
        let output = try observation.location(decoded).reshaped([z.batch] + dataShape)
        return BijectorResult(output: output, logDet: try Tensor.full([z.batch], value: .nan, on: z.device))
    }

    /// For fixed noise ε. The log-det `log p(x|z) + Σ log σ + log|det ∂z/∂z₀| − Σ log N(ε)` gets
    /// `∂L/∂logDet = g`; `z` also feeds the prior (`gradOutput`) and the decoder.
    public func backward(_ tape: any BijectorTape, gradOutput: Tensor, gradLogDet: Tensor) throws -> BijectorGradients {
        let tape = try self.tape(tape, as: Tape.self)
        let observationGrads = try observation.backward(tape.observationTape, gradLogLikelihood: gradLogDet)
        let gradZ = try gradOutput.adding(decoder.backward(tape.decoderTape, gradOutput: observationGrads.parameters).input)
        var gradStart = gradZ
        var gradContext: [Tensor] = []
        if let posteriorFlow, let posteriorTape = tape.posteriorTape {
            let grads = try posteriorFlow.backward(posteriorTape, gradOutput: gradZ, gradLogDet: gradLogDet)
            gradStart = grads.input
            gradContext = [try grads.context ?? Tensor.zeros([gradZ.batch, posteriorContext], on: gradZ.device)]
        }
        // z₀ = μ + e^{log σ}·ε, and the log-det holds +Σ log σ.
        let gradLogScale = try gradStart.multiplying(tape.scale).multiplying(tape.epsilon).adding(gradLogDet.broadcastRows(columns: latent))
        let gradEncoded = try Tensor.concat([gradStart, gradLogScale] + gradContext)
        let gradEncoderInput = try encoder.backward(tape.encoderTape, gradOutput: gradEncoded).input
        let gradData = try gradEncoderInput.scaled(by: observation.encoderInputScale).adding(observationGrads.data)
        return BijectorGradients(input: try gradData.reshaped(tape.inputShape), context: nil)
    }

    private func checkNoContext(_ context: Tensor?) throws {
        guard context == nil else {
            throw FlowError.invalidArgument(op: name, detail: "a VAE layer takes no context (conditional VAEs are not supported)")
        }
    }
}

/// Staged for the range rule (`RangeMonitor`): a posterior sample `z₀` out of range (an
/// overflowing `σ = e^{log σ}`) must not reach the IAF blocks' networks, nor one block's output
/// the next, nor `z` the decoder. The output `z` is in range when it leaves: it is `z₀` or the
/// posterior flow's last checked state.
extension VariationalAutoencoder: StagedTransform, SupportRestricted {
    public func forward(_ x: Tensor, context: Tensor?, monitor: RangeMonitor) throws -> BijectorResult {
        try pass(x, context: context, monitor: monitor).result
    }

    /// Per example of `x` (the layer's input), whether the observation model gives it any
    /// probability (`ObservationModel.inSupport`): outside, its log-likelihood is −∞ for every `z`.
    public func inSupport(_ x: Tensor) throws -> [Bool] { try observation.inSupport(x.flattenedBatch()) }
}

/// Its state is the noise stream's position (`StochasticTransform`'s default export), so a
/// resumed run draws the exact same ε.
extension VariationalAutoencoder: StochasticTransform, QuantizingTransform {
    public var defaultImportanceSamples: Int { evaluationSamples }

    public func quantize(_ y: Tensor) throws -> Tensor { try observation.quantize(y) }
}
