import FlowRuntime

/// Additive coupling (NICE, Dinh et al. 2015, arXiv:1410.8516): with `(a, b)` the mask's kept and
/// transformed parts and `m` the conditioner,
///
///     y_a = a,   y_b = b + m(a),   log|det J| = 0
///
/// Volume-preserving; NICE adds a final `DiagonalScaling` layer so the model can still scale.
public final class AdditiveCoupling: Bijector {
    public let name: String
    public let mask: any CouplingMask
    public let conditioner: any Conditioner

    public init(name: String = "AdditiveCoupling", mask: any CouplingMask, conditioner: any Conditioner) {
        self.name = name
        self.mask = mask
        self.conditioner = conditioner
    }

    public var parameters: [Parameter] { conditioner.parameters }

    struct Tape: BijectorTape { var conditionerTape: any BijectorTape }

    private func shift(_ kept: Tensor, context: Tensor?) throws -> (Tensor, any BijectorTape) {
        let (output, tape) = try conditioner.forward(mask.conditionerInput(kept), context: context)
        return (try mask.pieces(of: output, count: 1)[0], tape)
    }

    public func forward(_ x: Tensor, context: Tensor?) throws -> (result: BijectorResult, tape: any BijectorTape) {
        let (kept, transformed) = try mask.split(x)
        let (shift, tape) = try shift(kept, context: context)
        let output = try mask.merge(kept: kept, transformed: transformed.adding(shift))
        return (BijectorResult(output: output, logDet: try Tensor.zeros([x.batch], on: x.device)), Tape(conditionerTape: tape))
    }

    public func inverse(_ z: Tensor, context: Tensor?) throws -> BijectorResult {
        let (kept, transformed) = try mask.split(z)
        let (shift, _) = try shift(kept, context: context)
        let output = try mask.merge(kept: kept, transformed: transformed.subtracting(shift))
        return BijectorResult(output: output, logDet: try Tensor.zeros([z.batch], on: z.device))
    }

    public func backward(_ tape: any BijectorTape, gradOutput: Tensor, gradLogDet: Tensor) throws -> BijectorGradients {
        let tape = try self.tape(tape, as: Tape.self)
        let (gradKept, gradTransformed) = try mask.split(gradOutput)
        // ∂y_b/∂b = I and ∂y_b/∂m = I: the shift's gradient is the transformed part's.
        let conditionerGrads = try conditioner.backward(tape.conditionerTape, gradOutput: mask.piecesBackward([gradTransformed]))
        let keptTotal = try gradKept.adding(mask.conditionerInputBackward(conditionerGrads.input))
        return BijectorGradients(input: try mask.merge(kept: keptTotal, transformed: gradTransformed), context: conditionerGrads.context)
    }
}
