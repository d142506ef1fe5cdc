import FlowRuntime
import Foundation

/// Continuous data under a diagonal Gaussian: the decoder emits the mean `μ`, and the log-scale
/// `log σ_d` is one learned parameter per feature (shared by every example, so the decoder cannot
/// shrink σ on single training points, the usual way a Gaussian VAE's likelihood diverges):
///
///     log p(x | μ) = Σ_d −½ r_d² − log σ_d − ½ log 2π,   r = (x − μ)/σ
///
/// `∂/∂μ = r/σ = −∂/∂x`, `∂/∂log σ_d = r_d² − 1`. A density in the data's units (nats).
public final class GaussianObservation: ObservationModel {
    public let name: String
    public let features: Int
    public let logScale: Parameter

    public init(name: String = "gaussian", features: Int, on device: any Device) throws {
        guard features >= 1 else { throw FlowError.invalidArgument(op: "GaussianObservation(\(name))", detail: "need at least one feature") }
        self.name = name
        self.features = features
        logScale = Parameter("\(name).logScale", try Tensor.zeros([features], on: device))
    }

    public var parameters: [Parameter] { [logScale] }
    public var parametersPerFeature: Int { 1 }
    public var encoderInputScale: Float { 1 }
    public var encoderInputShift: Float { 0 }

    struct Tape: BijectorTape {
        /// `r = (x − μ)/σ` and `1/σ` broadcast along the batch (`[D]`).
        var standardized: Tensor
        var inverseScale: Tensor
    }

    public func logLikelihood(_ x: Tensor, parameters mean: Tensor) throws -> (logLikelihood: Tensor, tape: any BijectorTape) {
        guard mean.shape == x.shape, x.rank == 2, x.shape[1] == features else {
            throw FlowError.shapeMismatch(op: "\(name).logLikelihood", detail: "mean \(mean.shape) for data \(x.shape): need equal [B, \(features)]")
        }
        let inverseScale = try logScale.value.scaled(by: -1).unary(.exp)
        let r = try x.subtracting(mean).applying(.multiply, inverseScale)
        let terms = try r.multiplying(r).scaled(by: -0.5).applying(.subtract, logScale.value)
        let logLikelihood = try terms.perSampleSum().affine(scale: 1, shift: Float(-0.5 * Double(features) * log(2 * Double.pi)))
        return (logLikelihood, Tape(standardized: r, inverseScale: inverseScale))
    }

    public func backward(_ tape: any BijectorTape, gradLogLikelihood: Tensor) throws -> (parameters: Tensor, data: Tensor) {
        guard let tape = tape as? Tape else { throw FlowError.invalidArgument(op: "\(name).backward", detail: "tape is not from this model") }
        let r = tape.standardized
        let perFeature = try gradLogLikelihood.broadcastRows(columns: features)
        let gradMean = try r.applying(.multiply, tape.inverseScale).multiplying(perFeature)
        let squaredMinusOne = try r.multiplying(r).affine(scale: 1, shift: -1)
        try logScale.accumulate(taking: squaredMinusOne.multiplying(perFeature).featureSum())
        return (gradMean, try gradMean.scaled(by: -1))
    }

    public func location(_ parameters: Tensor) throws -> Tensor { try parameters.copy(to: parameters.device) }

    public func quantize(_ x: Tensor) throws -> Tensor { x }
}
