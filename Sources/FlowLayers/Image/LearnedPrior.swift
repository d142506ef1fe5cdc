import FlowRuntime

/// Glow's learned prior for the factored-out half of a multi-scale split (Kingma & Dhariwal 2018,
/// arXiv:1807.03039, the `split2d` prior; RealNVP's factoring, arXiv:1605.08803, §3.6), written
/// as a transform so that a standard-normal base gives exactly the conditional Gaussian
/// `b ~ N(μ(a), diag σ(a)²)`. With `(a, b)` the mask's kept and factored parts and
/// `(μ, log σ)` from the conditioner applied to `a` (and the context):
///
///     y_a = a,   y_b = (b − μ) ⊙ exp(−log σ),   log|det J| = −Σ log σ
///
/// (`log N(y_b; 0, I) − Σ log σ = log N(b; μ, σ²)`). The conditioner's last layer starts at zero,
/// so the prior starts as `N(0, I)`. With Glow's interleaved channel mask ("cross" split),
/// `μ = h[:, 0::2]` and `log σ = h[:, 1::2]`. The scale is unbounded, as in Glow.
public final class LearnedPrior: Bijector {
    public let name: String
    public let mask: any CouplingMask
    public let conditioner: any Conditioner

    public init(name: String = "LearnedPrior", mask: any CouplingMask, conditioner: any Conditioner) {
        self.name = name
        self.mask = mask
        self.conditioner = conditioner
    }

    public var parameters: [Parameter] { conditioner.parameters }

    struct Tape: BijectorTape {
        var output: Tensor
        var inverseScale: Tensor
        var conditionerTape: any BijectorTape
    }

    private func statistics(_ kept: Tensor, context: Tensor?) throws -> (mean: Tensor, logScale: Tensor, tape: any BijectorTape) {
        let (output, tape) = try conditioner.forward(mask.conditionerInput(kept), context: context)
        let pieces = try mask.pieces(of: output, count: 2)
        return (pieces[0], pieces[1], tape)
    }

    public func forward(_ x: Tensor, context: Tensor?) throws -> (result: BijectorResult, tape: any BijectorTape) {
        let (kept, factored) = try mask.split(x)
        let (mean, logScale, conditionerTape) = try statistics(kept, context: context)
        let inverseScale = try logScale.scaled(by: -1).unary(.exp)
        let output = try factored.subtracting(mean).multiplying(inverseScale)
        let logDet = try logScale.perSampleSum().scaled(by: -1)
        let tape = Tape(output: output, inverseScale: inverseScale, conditionerTape: conditionerTape)
        return (BijectorResult(output: try mask.merge(kept: kept, transformed: output), logDet: logDet), tape)
    }

    public func inverse(_ z: Tensor, context: Tensor?) throws -> BijectorResult {
        let (kept, normalized) = try mask.split(z)
        let (mean, logScale, _) = try statistics(kept, context: context)
        let factored = try normalized.multiplying(logScale.unary(.exp)).adding(mean)
        return BijectorResult(output: try mask.merge(kept: kept, transformed: factored), logDet: try logScale.perSampleSum())
    }

    /// With `e = exp(−log σ)`: `∂y_b/∂b = e`, `∂y_b/∂μ = −e`, `∂y_b/∂log σ = −y_b`, and every
    /// `log σ` entry gets `−∂L/∂logDet` of its sample.
    public func backward(_ tape: any BijectorTape, gradOutput: Tensor, gradLogDet: Tensor) throws -> BijectorGradients {
        let tape = try self.tape(tape, as: Tape.self)
        let (gradKept, gradNormalized) = try mask.split(gradOutput)
        let gradFactored = try gradNormalized.multiplying(tape.inverseScale)
        let gradMean = try gradFactored.scaled(by: -1)
        let perSample = try Tensor.full(tape.output.shape, value: 1, on: tape.output.device).multiplyingRows(by: gradLogDet)
        let gradLogScale = try gradNormalized.multiplying(tape.output).adding(perSample).scaled(by: -1)
        let conditionerGrads = try conditioner.backward(tape.conditionerTape, gradOutput: mask.piecesBackward([gradMean, gradLogScale]))
        let keptTotal = try gradKept.adding(mask.conditionerInputBackward(conditionerGrads.input))
        return BijectorGradients(input: try mask.merge(kept: keptTotal, transformed: gradFactored), context: conditionerGrads.context)
    }
}
