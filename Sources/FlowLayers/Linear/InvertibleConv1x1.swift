import FlowRuntime

/// Glow's invertible 1×1 convolution with a dense weight (Kingma & Dhariwal 2018,
/// arXiv:1807.03039, §3.2): at every position
///
///     y[:, o] = Σ_c W[o, c] · x[:, c],   log|det J| = positions · log|det W|
///
/// (positions = H·W for images `[B, C, H, W]`, T for sequences, 1 for vectors `[B, C]`, where it
/// is an invertible linear layer). Forward is data → noise. W starts as a random rotation (the Q
/// of the QR of a standard-normal matrix), so the layer starts volume-preserving.
///
/// Host work: `log|det W|` and `W⁻¹` come from an LU of W in float64 on the host, so every
/// forward and inverse reads W back (one synchronisation with the device per call), and backward
/// uploads the C×C matrix `W⁻ᵀ` computed in forward. `InvertibleConv1x1LU` avoids this.
public final class InvertibleConv1x1: Bijector {
    public let name: String
    public let weight: Parameter
    public let channels: Int

    public init(name: String = "InvertibleConv1x1", channels: Int, random: inout RandomStream, on device: any Device) throws {
        guard channels >= 1 else {
            throw FlowError.invalidArgument(op: "InvertibleConv1x1(\(name))", detail: "channels must be positive, got \(channels)")
        }
        self.name = name
        self.channels = channels
        let rotation = try HostSquareMatrix(random.next([channels, channels], .normal, on: device)).orthogonalFactor()
        weight = Parameter("\(name).weight", try rotation.tensor(on: device))
    }

    public var parameters: [Parameter] { [weight] }

    struct Tape: BijectorTape {
        var input: Tensor
        var weight: Tensor
        /// `W⁻ᵀ`, the derivative of `log|det W|` with respect to W (nil when W is singular).
        var inverseTransposed: HostSquareMatrix?
    }

    public func forward(_ x: Tensor, context: Tensor?) throws -> (result: BijectorResult, tape: any BijectorTape) {
        try ChannelMixing.check("\(name).forward", x, channels: channels)
        let w = weight.value
        let host = try HostSquareMatrix(w)  // synchronises: see the type's documentation
        let logAbsDet = host.logAbsDeterminant()
        let inverseTransposed = logAbsDet.isFinite ? try host.inverse(op: "\(name).forward").transposed : nil
        let output = try ChannelMixing.apply(x, weight: w)
        let logDet = try Tensor.full([x.batch], value: Float(Double(ChannelMixing.positions(x)) * logAbsDet), on: x.device)
        return (BijectorResult(output: output, logDet: logDet), Tape(input: x, weight: w, inverseTransposed: inverseTransposed))
    }

    public func inverse(_ z: Tensor, context: Tensor?) throws -> BijectorResult {
        try ChannelMixing.check("\(name).inverse", z, channels: channels)
        let host = try HostSquareMatrix(weight.value)  // synchronises: see the type's documentation
        let inverseWeight = try host.inverse(op: "\(name).inverse").tensor(on: z.device)
        let logAbsDet = Double(ChannelMixing.positions(z)) * host.logAbsDeterminant()
        let logDet = try Tensor.full([z.batch], value: Float(-logAbsDet), on: z.device)
        return BijectorResult(output: try ChannelMixing.apply(z, weight: inverseWeight), logDet: logDet)
    }

    /// `∂W = Σ ∂y ⊗ x + positions · (Σ_b ∂L/∂logDet_b) · W⁻ᵀ` (Jacobi's formula for the log-det).
    public func backward(_ tape: any BijectorTape, gradOutput: Tensor, gradLogDet: Tensor) throws -> BijectorGradients {
        let tape = try self.tape(tape, as: Tape.self)
        guard let hostInverseTransposed = tape.inverseTransposed else {
            throw FlowError.invalidArgument(op: "\(name).backward", detail: "the weight is singular: log|det W| = −∞ has no gradient")
        }
        let grads = try ChannelMixing.backward(input: tape.input, weight: tape.weight, gradOutput: gradOutput)
        let device = tape.input.device
        let logDetWeight = try gradLogDet.sum().scaled(by: Float(ChannelMixing.positions(tape.input))).reshaped([1, 1])
        let inverseTransposed = try hostInverseTransposed.tensor(on: device).reshaped([channels * channels, 1])
        let logDetGrad = try inverseTransposed.matmul(logDetWeight).reshaped([channels, channels])
        try weight.accumulate(grads.weight.adding(logDetGrad))
        return BijectorGradients(input: grads.input, context: nil)
    }
}
