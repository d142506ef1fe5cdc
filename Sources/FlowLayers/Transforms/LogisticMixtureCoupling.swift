import FlowRuntime

/// Logistic-mixture CDF coupling for vectors, the elementwise transformer of Flow++ (Ho et al.
/// 2019, arXiv:1902.00275, §3.1). With `(a, b)` the mask's kept and transformed parts and `θ` the
/// conditioner's output on `a` (and the context):
///
///     y_a = a,   y_b,j = σ⁻¹(Σ_k softmax(π_j)_k σ((b_j − μ_jk)·e^(−s_jk)))·e^(α_j) + β_j
///     log|det J| = Σ_j log dy_b,j/db_j
///
/// with `θ_j` the `3K + 2` values of feature `j` (`LogisticMixtureOptions`: `K` logits, `K` means,
/// `K` log-scales, `α`, `β`), laid out feature by feature in the conditioner's output
/// (`[B, D_b·(3K + 2)]`, read as `[B, D_b, 3K + 2]` with no copy). The Jacobian is triangular
/// because `θ` does not depend on `b`. With the conditioner's output at zero every component is
/// the standard logistic and `α = β = 0`, so `y_b = σ⁻¹(σ(b)) = b`: the coupling starts at the
/// identity. (Flow++'s attention conditioners, dequantization and presets are not here yet.)
public final class LogisticMixtureCoupling: Bijector {
    public let name: String
    public let mask: VectorMask
    public let conditioner: any Conditioner
    public let options: LogisticMixtureOptions

    public init(
        name: String = "LogisticMixtureCoupling", mask: VectorMask, conditioner: any Conditioner,
        options: LogisticMixtureOptions
    ) {
        self.name = name
        self.mask = mask
        self.conditioner = conditioner
        self.options = options
    }

    public var parameters: [Parameter] { conditioner.parameters }

    struct Tape: BijectorTape {
        var transformed: Tensor
        var mixtureParameters: Tensor
        var conditionerTape: any BijectorTape
    }

    private func mixtureParameters(_ kept: Tensor, context: Tensor?) throws -> (Tensor, any BijectorTape) {
        let (output, tape) = try conditioner.forward(mask.conditionerInput(kept), context: context)
        let (rows, features, per) = (kept.shape[0], mask.transformed.count, options.parametersPerElement)
        guard output.shape == [rows, features * per] else {
            throw FlowError.shapeMismatch(
                op: name, detail: "conditioner output \(output.shape), expected [\(rows), \(features * per)] (\(features) features × \(per))")
        }
        return (try output.reshaped([rows, features, per]), tape)
    }

    public func forward(_ x: Tensor, context: Tensor?) throws -> (result: BijectorResult, tape: any BijectorTape) {
        let (kept, transformed) = try mask.split(x)
        let (theta, conditionerTape) = try mixtureParameters(kept, context: context)
        let (output, logDet) = try transformed.logisticMixture(parameters: theta, options: options)
        let tape = Tape(transformed: transformed, mixtureParameters: theta, conditionerTape: conditionerTape)
        return (BijectorResult(output: try mask.merge(kept: kept, transformed: output), logDet: logDet), tape)
    }

    public func inverse(_ z: Tensor, context: Tensor?) throws -> BijectorResult {
        let (kept, transformed) = try mask.split(z)
        let (theta, _) = try mixtureParameters(kept, context: context)
        let (output, logDet) = try transformed.logisticMixture(parameters: theta, options: options, inverse: true)
        return BijectorResult(output: try mask.merge(kept: kept, transformed: output), logDet: logDet)
    }

    public func backward(_ tape: any BijectorTape, gradOutput: Tensor, gradLogDet: Tensor) throws -> BijectorGradients {
        let tape = try self.tape(tape, as: Tape.self)
        let (gradKept, gradTransformedOutput) = try mask.split(gradOutput)
        let mixture = try Tensor.logisticMixtureBackward(
            input: tape.transformed, parameters: tape.mixtureParameters, options: options,
            gradOutput: gradTransformedOutput, gradLogDet: gradLogDet)
        let gradTheta = try mixture.parameters.reshaped(
            [gradOutput.shape[0], mask.transformed.count * options.parametersPerElement])
        let conditionerGrads = try conditioner.backward(tape.conditionerTape, gradOutput: gradTheta)
        let keptTotal = try gradKept.adding(mask.conditionerInputBackward(conditionerGrads.input))
        return BijectorGradients(input: try mask.merge(kept: keptTotal, transformed: mixture.input), context: conditionerGrads.context)
    }
}
