import FlowRuntime

/// A stride-1, same-padded 2-D convolution `[B, C, H, W] → [B, O, H, W]` with bias, weights
/// `[O, C, k, k]` (PyTorch's layout); the layer of the image conditioners.
public final class Conv2dLayer: ParameterOwner {
    public let weight: Parameter
    public let bias: Parameter

    /// `kernel` must be odd (same padding). The fan-in of the default init is `C·k·k`, as in PyTorch.
    public init(
        name: String, inputs: Int, outputs: Int, kernel: Int, initialization: Initialization = .uniformFanIn,
        random: inout RandomStream, on device: any Device
    ) throws {
        guard inputs > 0, outputs > 0, kernel > 0, kernel % 2 == 1 else {
            throw FlowError.invalidArgument(
                op: "Conv2dLayer(\(name))",
                detail: "\(inputs) → \(outputs) channels with kernel \(kernel): need positive sizes and an odd kernel")
        }
        let fanIn = inputs * kernel * kernel
        weight = Parameter(
            "\(name).weight",
            try initialization.tensor([outputs, inputs, kernel, kernel], fanIn: fanIn, random: &random, on: device))
        bias = Parameter("\(name).bias", try initialization.tensor([outputs], fanIn: fanIn, random: &random, on: device))
    }

    public var parameters: [Parameter] { [weight, bias] }
    public var inputs: Int { weight.shape[1] }
    public var outputs: Int { weight.shape[0] }

    public func forward(_ x: Tensor) throws -> Tensor {
        try x.conv2d(weight: weight.value, bias: bias.value)
    }

    /// Accumulates `∂W` and `∂b`; returns `∂x`.
    public func backward(input: Tensor, gradOutput: Tensor) throws -> Tensor {
        let grads = try Tensor.conv2dBackward(input: input, weight: weight.value, hasBias: true, gradOutput: gradOutput)
        try weight.accumulate(taking: grads.weight)
        if let gradBias = grads.bias { try bias.accumulate(taking: gradBias) }
        return grads.input
    }
}
