import FlowRuntime

/// A VAE decoder's observation model `p(x | z)`: the decoder network emits
/// `parametersPerFeature · D` values per example (feature blocks side by side, `[B, k·D]`), and
/// this turns them into a per-example log-likelihood in nats of the data `x` (`[B, D]`).
public protocol ObservationModel: ParameterOwner {
    var name: String { get }
    /// Decoder outputs per data feature.
    var parametersPerFeature: Int { get }
    /// The encoder sees `scale · x + shift` (data rescaled to about [−1, 1]; the identity for
    /// 0/1 and standardised data), so networks start with inputs of unit size.
    var encoderInputScale: Float { get }
    var encoderInputShift: Float { get }

    /// `log p(x | parameters)` per example (`[B]`) and what the backward needs.
    func logLikelihood(_ x: Tensor, parameters: Tensor) throws -> (logLikelihood: Tensor, tape: any BijectorTape)

    /// Given `∂L/∂logLikelihood` (`[B]`): accumulates the model's own parameter gradients and
    /// returns `∂L/∂parameters` (`[B, k·D]`) and `∂L/∂x` (`[B, D]`, the derivative of the
    /// expression in `x` with discrete data's bins held fixed; data are not learned, so this only
    /// keeps chains consistent).
    func backward(_ tape: any BijectorTape, gradLogLikelihood: Tensor) throws -> (parameters: Tensor, data: Tensor)

    /// The decoded value `inverse` returns for `parameters`: the mean (Bernoulli, Gaussian) or the
    /// location clamped to the data's range (discretised logistic), in the data's units.
    func location(_ parameters: Tensor) throws -> Tensor

    /// Decoded values as data values: integer levels for discrete data, unchanged otherwise.
    func quantize(_ x: Tensor) throws -> Tensor

    /// Per example of `x` (`[B, D]`), whether the model gives it any probability: a discrete
    /// model only its values (0/1, integer levels), so elsewhere `log p(x|z) = −∞` for every `z`
    /// and the VAE's log-density is −inf (`SupportRestricted`). Default: every real vector.
    func inSupport(_ x: Tensor) throws -> [Bool]
}

extension ObservationModel {
    public func inSupport(_ x: Tensor) throws -> [Bool] { Array(repeating: true, count: x.batch) }
}
