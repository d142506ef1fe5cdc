import FlowRuntime

/// Batch normalisation as a bijector (RealNVP, Dinh et al. 2017, arXiv:1605.08803, §3.7): per
/// channel (axis 1)
///
///     y = (x − μ) / √(σ² + ε) ⊙ exp(logGamma) + beta
///     log|det J| = positions · Σ_c (logGamma_c − ½ log(σ²_c + ε))
///
/// (positions = H·W for images, T for sequences, 1 for vectors). Forward is data → noise.
/// In training mode μ and σ² are the batch mean and (biased) variance over (batch, positions),
/// the backward includes their dependence on the batch, and the running statistics move towards
/// them by `momentum`. In evaluation mode μ and σ² are the running statistics and samples do not
/// interact. The running variance averages the same biased variance used for normalising (as the
/// original RealNVP code and TensorFlow do; PyTorch averages the unbiased one), so with
/// `momentum = 1` the running statistics are exactly the last training batch's.
///
/// The inverse always uses the running statistics: a training-mode output alone does not reveal
/// the statistics of the batch it came from. So in training mode `inverse(forward(x))` is not `x`
/// (unless `momentum = 1`), and `reconstructsInput` is false: reversible chains keep its tape.
public final class BatchNorm: Bijector {
    public let name: String
    public let channels: Int
    public let logGamma: Parameter
    public let beta: Parameter
    /// Running statistics (state, not parameters: checkpoints save them alongside).
    public var runningMean: Tensor
    public var runningVariance: Tensor
    /// True: normalise with batch statistics and update the running ones; false: use the running ones.
    public var training: Bool
    public var momentum: Float
    public let epsilon: Float

    public init(
        name: String = "BatchNorm", channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-5, training: Bool = true,
        on device: any Device
    ) throws {
        guard channels >= 1, (0...1).contains(momentum), epsilon > 0 else {
            throw FlowError.invalidArgument(
                op: "BatchNorm(\(name))",
                detail: "need channels ≥ 1, momentum in [0, 1], epsilon > 0; got \(channels), \(momentum), \(epsilon)")
        }
        self.name = name
        self.channels = channels
        logGamma = Parameter("\(name).logGamma", try Tensor.zeros([channels], on: device))
        beta = Parameter("\(name).beta", try Tensor.zeros([channels], on: device))
        runningMean = try Tensor.zeros([channels], on: device)
        runningVariance = try Tensor.full([channels], value: 1, on: device)
        self.training = training
        self.momentum = momentum
        self.epsilon = epsilon
    }

    public var parameters: [Parameter] { [logGamma, beta] }
    public var reconstructsInput: Bool { !training }

    struct Tape: BijectorTape {
        var input: Tensor
        /// The equivalent ActNorm's `loc = μ − beta ⊙ e^s` and `logScale = s = ½ log(σ² + ε) − logGamma`.
        var loc: Tensor
        var logScale: Tensor
        var expLogScale: Tensor
        var beta: Tensor
        /// Training mode only: `x − μ`, `log(σ² + ε)` and the count N = batch · positions.
        var batch: (centered: Tensor, logVariance: Tensor, count: Int)?
    }

    /// The layer is ActNorm with `loc = μ − beta ⊙ e^s` and `logScale = s`, so it runs on the fused
    /// ActNorm op, whose log-det `−positions · Σ s` is the one above.
    private func equivalentActNorm(mean: Tensor, logVariance: Tensor) throws -> (loc: Tensor, logScale: Tensor, exp: Tensor) {
        let logScale = try logVariance.scaled(by: 0.5).subtracting(logGamma.value)
        let expLogScale = try logScale.unary(.exp)
        return (try mean.subtracting(beta.value.multiplying(expLogScale)), logScale, expLogScale)
    }

    public func forward(_ x: Tensor, context: Tensor?) throws -> (result: BijectorResult, tape: any BijectorTape) {
        try check("\(name).forward", x)
        let count = x.count / channels
        var (mean, variance, centered): (Tensor, Tensor, Tensor?) = (runningMean, runningVariance, nil)
        if training {
            mean = try x.channelSum().scaled(by: 1 / Float(count))
            let deviations = try x.applying(.subtract, mean)
            variance = try deviations.channelSum(squared: true).scaled(by: 1 / Float(count))
            centered = deviations
            runningMean = try runningMean.scaled(by: 1 - momentum).adding(mean.scaled(by: momentum))
            runningVariance = try runningVariance.scaled(by: 1 - momentum).adding(variance.scaled(by: momentum))
        }
        let logVariance = try variance.affine(scale: 1, shift: epsilon).unary(.log)
        let batchTerms = centered.map { (centered: $0, logVariance: logVariance, count: count) }
        let (loc, logScale, expLogScale) = try equivalentActNorm(mean: mean, logVariance: logVariance)
        let (output, logDet) = try x.actNorm(loc: loc, logScale: logScale)
        let tape = Tape(input: x, loc: loc, logScale: logScale, expLogScale: expLogScale, beta: beta.value, batch: batchTerms)
        return (BijectorResult(output: output, logDet: logDet), tape)
    }

    /// Uses the running statistics in both modes (see the type's documentation).
    public func inverse(_ z: Tensor, context: Tensor?) throws -> BijectorResult {
        try check("\(name).inverse", z)
        let logVariance = try runningVariance.affine(scale: 1, shift: epsilon).unary(.log)
        let (loc, logScale, _) = try equivalentActNorm(mean: runningMean, logVariance: logVariance)
        let (output, logDet) = try z.actNorm(loc: loc, logScale: logScale, inverse: true)
        return BijectorResult(output: output, logDet: logDet)
    }

    /// From the ActNorm gradients `(∂x, ∂loc, ∂s)`: `∂beta = −∂loc ⊙ e^s`,
    /// `∂s_total = ∂s − ∂loc ⊙ beta ⊙ e^s`, `∂logGamma = −∂s_total`; in training mode also
    /// `∂μ = ∂loc`, `∂σ² = ∂s_total / (2(σ² + ε))` and `∂x += ∂μ / N + 2 (x − μ) ⊙ ∂σ² / N`
    /// (σ²'s own dependence on μ vanishes because Σ (x − μ) = 0).
    public func backward(_ tape: any BijectorTape, gradOutput: Tensor, gradLogDet: Tensor) throws -> BijectorGradients {
        let tape = try self.tape(tape, as: Tape.self)
        let grads = try Tensor.actNormBackward(
            input: tape.input, loc: tape.loc, logScale: tape.logScale, gradOutput: gradOutput, gradLogDet: gradLogDet)
        let gradBeta = try grads.loc.multiplying(tape.expLogScale).scaled(by: -1)
        let gradLogScale = try grads.logScale.adding(gradBeta.multiplying(tape.beta))
        try logGamma.accumulate(gradLogScale.scaled(by: -1))
        try beta.accumulate(gradBeta)
        guard let batch = tape.batch else { return BijectorGradients(input: grads.input, context: nil) }
        let gradVariance = try gradLogScale.multiplying(batch.logVariance.scaled(by: -1).unary(.exp)).scaled(by: 0.5)
        let gradInput = try grads.input
            .applying(.add, grads.loc.scaled(by: 1 / Float(batch.count)))
            .adding(batch.centered.applying(.multiply, gradVariance.scaled(by: 2 / Float(batch.count))))
        return BijectorGradients(input: gradInput, context: nil)
    }

    private func check(_ op: String, _ x: Tensor) throws {
        guard (2...4).contains(x.rank), x.shape[1] == channels, x.count > 0 else {
            throw FlowError.shapeMismatch(op: op, detail: "input \(x.shape), expected [B, \(channels), …] with B ≥ 1")
        }
    }
}
