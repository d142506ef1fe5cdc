import FlowRuntime
import Foundation

/// RealNVP's logit preprocessing (Dinh et al. 2017, arXiv:1605.08803 §4.1), elementwise on data
/// in `[0, 1]` of any shape, with `p = α + (1 − 2α)·x`:
///
///     y = logit(p) = log p − log(1 − p)
///     log|det J| = Σ [log(1 − 2α) − log p − log(1 − p)]
///
/// `α` (0.05 by default) keeps `p` in `[α, 1 − α]`, away from the logit's poles. The inverse is
/// `x = (sigmoid(y) − α)/(1 − 2α)`, whose log-det uses `−log p − log(1 − p) = softplus(y) + softplus(−y)`.
///
/// Support: the open interval where `p ∈ (0, 1)`, i.e. `x ∈ (−α/(1 − 2α), (1 − α)/(1 − 2α))`,
/// which contains `[0, 1]`. Outside it the logit is undefined (its output NaN, ±inf at the
/// edges): the data lie outside the range the preprocessing assumes, the model's density there is
/// 0, and `Flow.logProb` reports −inf (`RangeMonitor` settles the sample on that output).
public final class LogitTransform: Bijector {
    public let name: String
    public let alpha: Float

    public init(name: String = "LogitTransform", alpha: Float = 0.05) throws {
        guard alpha >= 0, alpha < 0.5 else {
            throw FlowError.invalidArgument(op: "LogitTransform(\(name))", detail: "alpha must be in [0, 0.5), got \(alpha)")
        }
        self.name = name
        self.alpha = alpha
    }

    public var parameters: [Parameter] { [] }

    struct Tape: BijectorTape {
        var p: Tensor
        /// `log p + log(1 − p)`.
        var logProduct: Tensor
    }

    private var range: Float { 1 - 2 * alpha }

    /// `D·log(1 − 2α)` for samples of `x`'s shape.
    private func constant(_ x: Tensor) -> Float {
        Float(Double(x.batch == 0 ? 0 : x.count / x.batch) * log(Double(range)))
    }

    public func forward(_ x: Tensor, context: Tensor?) throws -> (result: BijectorResult, tape: any BijectorTape) {
        let p = try x.affine(scale: range, shift: alpha)
        let logP = try p.unary(.log)
        let logQ = try p.affine(scale: -1, shift: 1).unary(.log)
        let logProduct = try logP.adding(logQ)
        let logDet = try logProduct.perSampleSum().affine(scale: -1, shift: constant(x))
        return (BijectorResult(output: try logP.subtracting(logQ), logDet: logDet), Tape(p: p, logProduct: logProduct))
    }

    public func inverse(_ z: Tensor, context: Tensor?) throws -> BijectorResult {
        let output = try z.unary(.sigmoid).affine(scale: 1 / range, shift: -alpha / range)
        let logProductNegated = try z.unary(.softplus).adding(z.scaled(by: -1).unary(.softplus))
        let logDet = try logProductNegated.perSampleSum().affine(scale: -1, shift: -constant(z))
        return BijectorResult(output: output, logDet: logDet)
    }

    /// `∂y/∂x = (1 − 2α)/(p(1 − p))` and `∂logDet/∂x = −(1 − 2α)(1 − 2p)/(p(1 − p))`, so
    /// `∂L/∂x = (1 − 2α)/(p(1 − p)) · (gy − g·(1 − 2p))`.
    public func backward(_ tape: any BijectorTape, gradOutput: Tensor, gradLogDet: Tensor) throws -> BijectorGradients {
        let tape = try self.tape(tape, as: Tape.self)
        let factor = try tape.logProduct.scaled(by: -1).unary(.exp).scaled(by: range)
        let throughLogDet = try tape.p.affine(scale: -2, shift: 1).flattenedBatch().multiplyingRows(by: gradLogDet)
            .reshaped(tape.p.shape)
        return BijectorGradients(input: try factor.multiplying(gradOutput.subtracting(throughLogDet)), context: nil)
    }
}
