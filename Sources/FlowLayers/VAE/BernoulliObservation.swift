import FlowRuntime

/// Independent Bernoulli pixels (binary data, values 0 or 1) with logits `l` from the decoder:
///
///     log p(x | l) = Σ_d x_d·l_d − softplus(l_d)     (= Σ log σ(l) for x = 1, log σ(−l) for x = 0)
///
/// `∂/∂l = x − σ(l)`. Written for real `x` the expression is linear in `x`, `∂/∂x = l`.
public final class BernoulliObservation: ObservationModel {
    public let name: String

    public init(name: String = "bernoulli") { self.name = name }

    public var parameters: [Parameter] { [] }
    public var parametersPerFeature: Int { 1 }
    public var encoderInputScale: Float { 1 }
    public var encoderInputShift: Float { 0 }

    struct Tape: BijectorTape {
        var x: Tensor
        var logits: Tensor
    }

    public func logLikelihood(_ x: Tensor, parameters logits: Tensor) throws -> (logLikelihood: Tensor, tape: any BijectorTape) {
        guard logits.shape == x.shape, x.rank == 2 else {
            throw FlowError.shapeMismatch(op: "\(name).logLikelihood", detail: "logits \(logits.shape) for data \(x.shape): need equal [B, D]")
        }
        let terms = try x.multiplying(logits).subtracting(logits.unary(.softplus))
        return (try terms.perSampleSum(), Tape(x: x, logits: logits))
    }

    public func backward(_ tape: any BijectorTape, gradLogLikelihood: Tensor) throws -> (parameters: Tensor, data: Tensor) {
        guard let tape = tape as? Tape else { throw FlowError.invalidArgument(op: "\(name).backward", detail: "tape is not from this model") }
        let perFeature = try gradLogLikelihood.broadcastRows(columns: tape.x.shape[1])
        let gradLogits = try tape.x.subtracting(tape.logits.unary(.sigmoid)).multiplying(perFeature)
        return (gradLogits, try tape.logits.multiplying(perFeature))
    }

    /// Binary data only: for any other value the expression above is a number but no probability.
    public func inSupport(_ x: Tensor) throws -> [Bool] { try x.rowsSatisfying { $0 == 0 || $0 == 1 } }

    /// `σ(l)`, the probability of a 1.
    public func location(_ parameters: Tensor) throws -> Tensor { try parameters.unary(.sigmoid) }

    /// 1 where the probability is at least ½ (the more likely value), else 0: a host round trip,
    /// as for `UniformDequantization.quantize` (the runtime has no comparison op).
    public func quantize(_ x: Tensor) throws -> Tensor {
        try Tensor(x.toArray().map { $0 >= 0.5 ? 1 : 0 }, shape: x.shape, on: x.device)
    }
}
