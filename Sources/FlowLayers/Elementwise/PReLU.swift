import FlowRuntime

/// Learnable leaky ReLU, the nonlinearity of the "MLP bijector" in Eric Jang's normalizing-flow
/// tutorial (the PReLU of He et al. 2015, arXiv:1502.01852, used as a bijector). Per feature or
/// channel `c` (axis 1) with slope `a_c = exp(θ_c)`:
///
///     y = x          for x ≥ 0
///     y = a_c · x    for x < 0
///     log|det J| = Σ_{x < 0} θ_c      (per sample: θ_c times the count of negatives in channel c)
///
/// The slope is parametrised by its logarithm so that it stays positive (the map stays monotone,
/// hence invertible) under any update, and so that the log-det is linear in the parameter.
/// `θ = 0` at construction: the transform starts as the identity. The sign of the input is kept,
/// so the inverse is the same map with slope `1/a_c`.
public final class PReLU: Bijector {
    public let name: String
    /// `θ = log a`, one per feature or channel.
    public let logSlope: Parameter

    public init(name: String = "PReLU", channels: Int, on device: any Device) throws {
        guard channels > 0 else {
            throw FlowError.invalidArgument(op: "PReLU(\(name))", detail: "channels must be positive, got \(channels)")
        }
        self.name = name
        logSlope = Parameter("\(name).logSlope", try Tensor.zeros([channels], on: device))
    }

    public var parameters: [Parameter] { [logSlope] }

    struct Tape: BijectorTape {
        var input: Tensor
        var slope: Tensor
        /// `1[x < 0]`, the log-det's dependence on θ.
        var negative: Tensor
    }

    public func forward(_ x: Tensor, context: Tensor?) throws -> (result: BijectorResult, tape: any BijectorTape) {
        let slope = try logSlope.value.unary(.exp)
        let output = try x.prelu(slope: slope)
        let negative = try Self.negativeIndicator(x)
        let logDet = try negative.applying(.multiply, logSlope.value).perSampleSum()
        return (BijectorResult(output: output, logDet: logDet), Tape(input: x, slope: slope, negative: negative))
    }

    public func inverse(_ z: Tensor, context: Tensor?) throws -> BijectorResult {
        let output = try z.prelu(slope: logSlope.value.unary(.scale(-1)).unary(.exp))
        // y < 0 exactly where x < 0, so the negatives of z are those of the rebuilt input.
        let logDet = try Self.negativeIndicator(z).applying(.multiply, logSlope.value).perSampleSum().scaled(by: -1)
        return BijectorResult(output: output, logDet: logDet)
    }

    /// `∂L/∂θ_c = a_c · Σ_{x<0} dy·x + Σ_b ∂L/∂logDet_b · #{x_b < 0 in channel c}`; the log-det is
    /// piecewise constant in x, so it adds nothing to `∂L/∂x`.
    public func backward(_ tape: any BijectorTape, gradOutput: Tensor, gradLogDet: Tensor) throws -> BijectorGradients {
        let tape = try self.tape(tape, as: Tape.self)
        let grads = try Tensor.preluBackward(input: tape.input, slope: tape.slope, gradOutput: gradOutput)
        let throughOutput = try grads.slope.multiplying(tape.slope)
        let negatives = try tape.negative.flattenedBatch().multiplyingRows(by: gradLogDet).reshaped(tape.input.shape)
        try logSlope.accumulate(throughOutput.adding(negatives.channelSum()))
        return BijectorGradients(input: grads.input, context: nil)
    }

    /// `1[x < 0]` elementwise without leaving the device: ReLU's backward passes the incoming
    /// gradient (here ones) where its input is positive, and its input is `−x`.
    static func negativeIndicator(_ x: Tensor) throws -> Tensor {
        let negated = try x.scaled(by: -1)
        let ones = try Tensor.full(x.shape, value: 1, on: x.device)
        return try Tensor.unaryBackward(.relu, input: negated, output: negated, gradOutput: ones)
    }
}
