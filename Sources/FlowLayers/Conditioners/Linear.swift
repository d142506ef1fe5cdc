import FlowRuntime

/// A fully connected layer `y = x · (W ⊙ M)ᵀ + b` (`W: [out, in]`, PyTorch's layout), optionally
/// masked (MADE). Masked-out weights receive zero gradient and never change. The products
/// themselves are run by its owners (the MLP's and MADE's row chains), which read
/// `effectiveWeight` and hand the parameter gradients back through
/// `accumulateParameterGradients`.
public final class Linear: ParameterOwner {
    public let weight: Parameter
    public let bias: Parameter
    public let mask: Tensor?

    public init(
        name: String, inputs: Int, outputs: Int, mask: Tensor? = nil, initialization: Initialization = .uniformFanIn,
        random: inout RandomStream, on device: any Device
    ) throws {
        if let mask, mask.shape != [outputs, inputs] {
            throw FlowError.shapeMismatch(op: "Linear(\(name))", detail: "mask \(mask.shape) for weight [\(outputs), \(inputs)]")
        }
        weight = Parameter("\(name).weight", try initialization.tensor([outputs, inputs], fanIn: inputs, random: &random, on: device))
        bias = Parameter("\(name).bias", try initialization.tensor([outputs], fanIn: inputs, random: &random, on: device))
        self.mask = mask
    }

    public var parameters: [Parameter] { [weight, bias] }
    public var inputs: Int { weight.shape[1] }
    public var outputs: Int { weight.shape[0] }

    /// Accumulates `∂W = (∂yᵀ · x) ⊙ M` and `∂b = Σ_rows ∂y`, for callers that compute `∂x`
    /// themselves (the MLP's backward chain).
    public func accumulateParameterGradients(input: Tensor, gradOutput: Tensor) throws {
        var gradWeight = try gradOutput.matmul(input, transposeSelf: true)
        if let mask { gradWeight = try gradWeight.applying(.multiply, mask) }
        try weight.accumulate(taking: gradWeight)
        try bias.accumulate(taking: gradOutput.featureSum())
    }

    /// Accumulates gradients computed elsewhere (a fused coupling's backward): `∂W ⊙ M` and `∂b`.
    public func accumulateParameterGradients(gradWeight: Tensor, gradBias: Tensor) throws {
        try weight.accumulate(taking: try mask.map { try gradWeight.applying(.multiply, $0) } ?? gradWeight)
        try bias.accumulate(taking: gradBias)
    }

    /// The weight the products use: `W ⊙ M`, or `W` without a mask.
    public var effectiveWeight: Tensor {
        get throws { try mask.map { try weight.value.applying(.multiply, $0) } ?? weight.value }
    }
}
