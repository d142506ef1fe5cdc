import FlowRuntime

/// A stride-1 2-D convolution of `[B, C, H, W]` with weights `[O, C, kh, kw]`, a bias and an
/// optional fixed binary weight mask: PixelCNN's masked convolution (van den Oord et al. 2016,
/// arXiv:1601.06759) with "same" padding, or WaveNet's causal convolution (kernel height 1,
/// `padding: .causal`, arXiv:1609.03499). Masked-out taps get zero gradient and never move.
public final class MaskedConv: ParameterOwner {
    public let weight: Parameter
    public let bias: Parameter
    public let mask: Tensor?
    public let dilation: Int
    public let padding: ConvPadding
    /// Ones in the mask (every weight when unmasked): the weights that can change the output.
    public let activeWeights: Int

    /// `mask`, when given, is the host mask in the weight's layout `[outputs, inputs, kh, kw]`.
    public init(
        name: String, inputs: Int, outputs: Int, kernelHeight: Int, kernelWidth: Int, mask: [Float]? = nil,
        dilation: Int = 1, padding: ConvPadding = .same, initialization: Initialization = .uniformFanIn,
        random: inout RandomStream, on device: any Device
    ) throws {
        let shape = [outputs, inputs, kernelHeight, kernelWidth]
        if let mask, mask.count != shape.reduce(1, *) {
            throw FlowError.shapeMismatch(op: "MaskedConv(\(name))", detail: "mask of \(mask.count) values for weight \(shape)")
        }
        let fanIn = inputs * kernelHeight * kernelWidth  // PyTorch's fan-in, masked taps included
        weight = Parameter("\(name).weight", try initialization.tensor(shape, fanIn: fanIn, random: &random, on: device))
        bias = Parameter("\(name).bias", try initialization.tensor([outputs], fanIn: fanIn, random: &random, on: device))
        self.mask = try mask.map { try Tensor($0, shape: shape, on: device) }
        activeWeights = mask.map { $0.reduce(0) { $0 + Int($1) } } ?? shape.reduce(1, *)
        self.dilation = dilation
        self.padding = padding
    }

    public var parameters: [Parameter] { [weight, bias] }
    public var outputs: Int { weight.shape[0] }
    /// Active weights plus biases.
    public var freeParameterCount: Int { activeWeights + outputs }

    public func forward(_ x: Tensor) throws -> Tensor {
        try x.conv2d(weight: weight.value, bias: bias.value, mask: mask, dilation: dilation, padding: padding)
    }

    /// Accumulates `∂W` (masked) and `∂b`; returns `∂x`.
    public func backward(input: Tensor, gradOutput: Tensor) throws -> Tensor {
        let grads = try Tensor.conv2dBackward(
            input: input, weight: weight.value, mask: mask, hasBias: true, gradOutput: gradOutput, dilation: dilation, padding: padding)
        try weight.accumulate(taking: grads.weight)
        if let gradBias = grads.bias { try bias.accumulate(taking: gradBias) }
        return grads.input
    }

    /// `∂x` alone (the data half of the backward), for the input-only products of IAF's backward.
    public func inputGradient(inputShape: [Int], gradOutput: Tensor) throws -> Tensor {
        let (kernelH, kernelW) = (weight.shape[2], weight.shape[3])
        guard inputShape.count == 4, inputShape[1] == weight.shape[1],
            gradOutput.shape == [inputShape[0], outputs, inputShape[2], inputShape[3]]
        else {
            throw FlowError.shapeMismatch(
                op: "MaskedConv.inputGradient", detail: "input \(inputShape), gradOutput \(gradOutput.shape), weight \(weight.shape)")
        }
        let causal = padding == .causal
        let geometry = ConvGeometry(
            batch: inputShape[0], inChannels: inputShape[1], outChannels: outputs, height: inputShape[2], width: inputShape[3],
            kernelH: kernelH, kernelW: kernelW, dilationH: causal ? 1 : dilation, dilationW: dilation,
            padTop: causal ? 0 : dilation * (kernelH - 1) / 2, padLeft: dilation * (kernelW - 1) / (causal ? 1 : 2))
        let effective = try mask.map { try weight.value.applying(.multiply, $0) } ?? weight.value
        let gradInput = try Tensor.empty(inputShape, on: gradOutput.device)
        try gradOutput.device.conv2dBackwardData(geometry, gradOutput: gradOutput.buffer, weight: effective.buffer, gradInput: gradInput.buffer)
        return gradInput
    }
}
