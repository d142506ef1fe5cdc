import FlowRuntime

/// A coupling for vectors whose transformed part goes through an `ElementwiseTransformer`
/// (`SplineCoupling`, `LogisticMixtureCoupling`). With `(a, b)` the mask's kept and transformed
/// parts and `θ` the conditioner's output on `a` (and the context):
///
///     y_a = a,   y_b,j = f(b_j; θ_j),   log|det J| = Σ_j log f′(b_j; θ_j)
///
/// with `θ_j` the transformer's parameters of feature `j`, laid out feature by feature in the
/// conditioner's output (`[B, D_b·P]`, read as `[B, D_b, P]` with no copy). The Jacobian is
/// triangular because `θ` does not depend on `b`.
public final class TransformerCoupling<Transformer: ElementwiseTransformer>: Bijector {
    public let name: String
    public let mask: VectorMask
    public let conditioner: any Conditioner
    public let options: Transformer

    public init(name: String = Transformer.couplingName, mask: VectorMask, conditioner: any Conditioner, options: Transformer) {
        self.name = name
        self.mask = mask
        self.conditioner = conditioner
        self.options = options
    }

    public var parameters: [Parameter] { conditioner.parameters }

    struct Tape: BijectorTape {
        var transformed: Tensor
        var transformerParameters: Tensor
        var conditionerTape: any BijectorTape
    }

    private func transformerParameters(_ kept: Tensor, context: Tensor?) throws -> (Tensor, any BijectorTape) {
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
        let (theta, conditionerTape) = try transformerParameters(kept, context: context)
        let (output, logDet) = try options.apply(transformed, parameters: theta, inverse: false)
        let tape = Tape(transformed: transformed, transformerParameters: theta, conditionerTape: conditionerTape)
        return (BijectorResult(output: try mask.merge(kept: kept, transformed: output), logDet: logDet), tape)
    }

    public func inverse(_ z: Tensor, context: Tensor?) throws -> BijectorResult {
        let (kept, transformed) = try mask.split(z)
        let (theta, _) = try transformerParameters(kept, context: context)
        let (output, logDet) = try options.apply(transformed, parameters: theta, inverse: true)
        return BijectorResult(output: try mask.merge(kept: kept, transformed: output), logDet: logDet)
    }

    public func backward(_ tape: any BijectorTape, gradOutput: Tensor, gradLogDet: Tensor) throws -> BijectorGradients {
        let tape = try self.tape(tape, as: Tape.self)
        let (gradKept, gradTransformedOutput) = try mask.split(gradOutput)
        let grads = try options.backward(
            input: tape.transformed, parameters: tape.transformerParameters, gradOutput: gradTransformedOutput, gradLogDet: gradLogDet)
        let gradTheta = try grads.parameters.reshaped([gradOutput.shape[0], mask.transformed.count * options.parametersPerElement])
        let conditionerGrads = try conditioner.backward(tape.conditionerTape, gradOutput: gradTheta)
        let keptTotal = try gradKept.adding(mask.conditionerInputBackward(conditionerGrads.input))
        return BijectorGradients(input: try mask.merge(kept: keptTotal, transformed: grads.input), context: conditionerGrads.context)
    }
}
