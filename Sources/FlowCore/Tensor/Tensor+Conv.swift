/// How a stride-1 convolution pads so that the output keeps the input's size.
public enum ConvPadding: Sendable, Equatable {
    /// Centred: `dilation·(k−1)/2` on each side (odd kernels).
    case same
    /// Causal along the last axis: `dilation·(k−1)` on the left only (WaveNet).
    case causal
}

/// Gradients of a convolution with respect to its input, weight and bias.
public struct ConvGradients: Sendable {
    public var input: Tensor
    /// Already multiplied by the mask, so masked-out taps never move.
    public var weight: Tensor
    public var bias: Tensor?
}

extension Tensor {
    /// Stride-1 2-D convolution of `[B, C, H, W]` with weights `[O, C, kh, kw]` (odd sizes for
    /// `.same` padding), optional bias `[O]`, optional weight mask (PixelCNN-style masked
    /// convolution) and dilation. The output is `[B, O, H, W]`.
    public func conv2d(
        weight: Tensor, bias: Tensor? = nil, mask: Tensor? = nil, dilation: Int = 1, padding: ConvPadding = .same
    ) throws -> Tensor {
        let geometry = try Self.convGeometry("conv2d", input: self, weight: weight, bias: bias, mask: mask, dilation: dilation, padding: padding)
        let effective = try mask.map { try weight.applying(.multiply, $0) } ?? weight
        let output = try Tensor.empty([geometry.batch, geometry.outChannels, geometry.height, geometry.width], on: device)
        try device.conv2d(geometry, input: buffer, weight: effective.buffer, bias: bias?.buffer, output: output.buffer)
        return output
    }

    /// WaveNet's causal dilated 1-D convolution of `[B, C, T]` with weights `[O, C, k]`: output
    /// step `t` depends on inputs `t, t−d, …, t−d·(k−1)` only. The output is `[B, O, T]`.
    public func conv1dCausal(weight: Tensor, bias: Tensor? = nil, dilation: Int = 1) throws -> Tensor {
        let (input2D, weight2D) = try Self.as2D("conv1dCausal", input: self, weight: weight)
        return try input2D.conv2d(weight: weight2D, bias: bias, dilation: dilation, padding: .causal).reshaped(shape.replacing(at: 1, with: weight.shape[0]))
    }

    /// Backward of `conv2d`.
    public static func conv2dBackward(
        input: Tensor, weight: Tensor, mask: Tensor? = nil, hasBias: Bool, gradOutput: Tensor,
        dilation: Int = 1, padding: ConvPadding = .same
    ) throws -> ConvGradients {
        let op = "conv2dBackward"
        let geometry = try convGeometry(op, input: input, weight: weight, bias: nil, mask: mask, dilation: dilation, padding: padding)
        try Validate.sameDevice(op, input, gradOutput)
        try Validate.shape(op, "gradOutput", gradOutput, [geometry.batch, geometry.outChannels, geometry.height, geometry.width])
        let device = input.device
        let effective = try mask.map { try weight.applying(.multiply, $0) } ?? weight
        let gradInput = try Tensor.empty(input.shape, on: device)
        try device.conv2dBackwardData(geometry, gradOutput: gradOutput.buffer, weight: effective.buffer, gradInput: gradInput.buffer)
        var gradWeight = try Tensor.empty(weight.shape, on: device)
        let gradBias = hasBias ? try Tensor.empty([geometry.outChannels], on: device) : nil
        try device.conv2dBackwardWeights(
            geometry, input: input.buffer, gradOutput: gradOutput.buffer, gradWeight: gradWeight.buffer,
            gradBias: gradBias?.buffer)
        if let mask { gradWeight = try gradWeight.applying(.multiply, mask) }
        return ConvGradients(input: gradInput, weight: gradWeight, bias: gradBias)
    }

    /// Backward of `conv1dCausal`; gradients have the 1-D shapes of the forward operands.
    public static func conv1dCausalBackward(
        input: Tensor, weight: Tensor, hasBias: Bool, gradOutput: Tensor, dilation: Int = 1
    ) throws -> ConvGradients {
        let op = "conv1dCausalBackward"
        let (input2D, weight2D) = try as2D(op, input: input, weight: weight)
        try Validate.rank(op, "gradOutput", gradOutput, 3...3)
        let grads = try conv2dBackward(
            input: input2D, weight: weight2D, hasBias: hasBias,
            gradOutput: gradOutput.reshaped([gradOutput.shape[0], gradOutput.shape[1], 1, gradOutput.shape[2]]),
            dilation: dilation, padding: .causal)
        return ConvGradients(
            input: try grads.input.reshaped(input.shape), weight: try grads.weight.reshaped(weight.shape), bias: grads.bias)
    }

    private static func as2D(_ op: String, input: Tensor, weight: Tensor) throws -> (Tensor, Tensor) {
        try Validate.rank(op, "input", input, 3...3)
        try Validate.rank(op, "weight", weight, 3...3)
        return (
            try input.reshaped([input.shape[0], input.shape[1], 1, input.shape[2]]),
            try weight.reshaped([weight.shape[0], weight.shape[1], 1, weight.shape[2]])
        )
    }

    static func convGeometry(
        _ op: String, input: Tensor, weight: Tensor, bias: Tensor?, mask: Tensor?, dilation: Int, padding: ConvPadding
    ) throws -> ConvGeometry {
        try Validate.sameDevice(op, input, weight, bias, mask)
        try Validate.rank(op, "input", input, 4...4)
        try Validate.rank(op, "weight", weight, 4...4)
        try Validate.positive(op, "dilation", dilation)
        let (batch, channels, height, width) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (outputs, kernelH, kernelW) = (weight.shape[0], weight.shape[2], weight.shape[3])
        guard weight.shape[1] == channels else {
            throw FlowError.shapeMismatch(op: op, detail: "input \(input.shape) has \(channels) channels but weight \(weight.shape) expects \(weight.shape[1])")
        }
        guard kernelH > 0, kernelW > 0 else {
            throw FlowError.invalidArgument(op: op, detail: "empty kernel in weight \(weight.shape)")
        }
        if let mask { try Validate.shape(op, "mask", mask, weight.shape) }
        if let bias { try Validate.shape(op, "bias", bias, [outputs]) }
        switch padding {
        case .same:
            guard kernelH % 2 == 1, kernelW % 2 == 1 else {
                throw FlowError.invalidArgument(op: op, detail: "'same' padding needs odd kernel sizes, weight is \(weight.shape)")
            }
            return ConvGeometry(
                batch: batch, inChannels: channels, outChannels: outputs, height: height, width: width,
                kernelH: kernelH, kernelW: kernelW, dilationH: dilation, dilationW: dilation,
                padTop: dilation * (kernelH - 1) / 2, padLeft: dilation * (kernelW - 1) / 2)
        case .causal:
            guard kernelH == 1 else {
                throw FlowError.invalidArgument(op: op, detail: "causal padding is for 1-D kernels (kernel height 1), weight is \(weight.shape)")
            }
            return ConvGeometry(
                batch: batch, inChannels: channels, outChannels: outputs, height: height, width: width,
                kernelH: 1, kernelW: kernelW, dilationH: 1, dilationW: dilation,
                padTop: 0, padLeft: dilation * (kernelW - 1))
        }
    }
}

extension Array where Element == Int {
    func replacing(at index: Int, with value: Int) -> [Int] {
        var copy = self
        copy[index] = value
        return copy
    }
}
