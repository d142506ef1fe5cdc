import FlowRuntime

/// The distribution of the latent variable at the noise end of a flow.
public protocol BaseDistribution: ParameterOwner {
    /// Shape of one latent sample (without the batch dimension).
    var eventShape: [Int] { get }
    /// Per-sample log-density `[B]` of latents `[B, eventShape…]`.
    func logProb(_ z: Tensor, context: Tensor?) throws -> Tensor
    /// Backward of `logProb` given `∂L/∂logProb` (`[B]`): accumulates parameter gradients and
    /// returns `∂L/∂z` (and `∂L/∂context`).
    func logProbBackward(_ z: Tensor, context: Tensor?, gradLogProb: Tensor) throws -> BijectorGradients
    /// `count` samples; `temperature` scales the spread (Glow's "temperature" sampling).
    func sample(count: Int, context: Tensor?, random: inout RandomStream, temperature: Float, on device: any Device) throws -> Tensor
}
