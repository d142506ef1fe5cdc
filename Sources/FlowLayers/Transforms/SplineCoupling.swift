import FlowRuntime

/// Rational-quadratic spline coupling for vectors (Neural Spline Flows, Durkan et al. 2019,
/// arXiv:1906.04032, §3.1 with linear tails). With `(a, b)` the mask's kept and transformed parts
/// and `θ` the conditioner's output on `a` (and the context):
///
///     y_a = a,   y_b,j = RQS(b_j; θ_j)   (identity outside [−B, B])
///     log|det J| = Σ_j log RQS′(b_j; θ_j)
///
/// with `θ_j` the `3K − 1` unnormalised widths, heights and interior derivatives of feature `j`
/// (`SplineOptions`), laid out feature by feature in the conditioner's output
/// (`[B, D_b·(3K − 1)]`, read as `[B, D_b, 3K − 1]` with no copy). The Jacobian is triangular
/// because `θ` does not depend on `b`. With the conditioner's last layer at zero every bin is
/// equally wide and tall and every slope is `minDerivative + log 2` or 1, so the coupling starts
/// close to the identity.
public final class SplineCoupling: Bijector {
    public let name: String
    public let mask: VectorMask
    public let conditioner: any Conditioner
    public let options: SplineOptions

    public init(name: String = "SplineCoupling", mask: VectorMask, conditioner: any Conditioner, options: SplineOptions) {
        self.name = name
        self.mask = mask
        self.conditioner = conditioner
        self.options = options
    }

    public var parameters: [Parameter] { conditioner.parameters }

    struct Tape: BijectorTape {
        var transformed: Tensor
        var splineParameters: Tensor
        var conditionerTape: any BijectorTape
    }

    private func splineParameters(_ kept: Tensor, context: Tensor?) throws -> (Tensor, any BijectorTape) {
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
        let (theta, conditionerTape) = try splineParameters(kept, context: context)
        let (output, logDet) = try transformed.rationalQuadraticSpline(parameters: theta, options: options)
        let tape = Tape(transformed: transformed, splineParameters: theta, conditionerTape: conditionerTape)
        return (BijectorResult(output: try mask.merge(kept: kept, transformed: output), logDet: logDet), tape)
    }

    public func inverse(_ z: Tensor, context: Tensor?) throws -> BijectorResult {
        let (kept, transformed) = try mask.split(z)
        let (theta, _) = try splineParameters(kept, context: context)
        let (output, logDet) = try transformed.rationalQuadraticSpline(parameters: theta, options: options, inverse: true)
        return BijectorResult(output: try mask.merge(kept: kept, transformed: output), logDet: logDet)
    }

    public func backward(_ tape: any BijectorTape, gradOutput: Tensor, gradLogDet: Tensor) throws -> BijectorGradients {
        let tape = try self.tape(tape, as: Tape.self)
        let (gradKept, gradTransformedOutput) = try mask.split(gradOutput)
        let spline = try Tensor.rationalQuadraticSplineBackward(
            input: tape.transformed, parameters: tape.splineParameters, options: options,
            gradOutput: gradTransformedOutput, gradLogDet: gradLogDet)
        let gradTheta = try spline.parameters.reshaped([gradOutput.shape[0], mask.transformed.count * options.parametersPerElement])
        let conditionerGrads = try conditioner.backward(tape.conditionerTape, gradOutput: gradTheta)
        let keptTotal = try gradKept.adding(mask.conditionerInputBackward(conditionerGrads.input))
        return BijectorGradients(input: try mask.merge(kept: keptTotal, transformed: spline.input), context: conditionerGrads.context)
    }
}
