import FlowRuntime

/// The conditioner of image couplings (Glow's NN, Kingma & Dhariwal 2018, arXiv:1807.03039, §3.3,
/// exactly):
///
///     Conv3×3(C_in → hidden) → ReLU → Conv1×1(hidden → hidden) → ReLU
///       → [residual blocks] → Conv3×3(hidden → C_out)
///
/// all same-padded with biases; the last convolution is zero-initialised (the coupling starts as
/// the identity up to its scale at zero), the others use PyTorch's default `U(±1/√fan_in)`.
/// Optional residual blocks `h + Conv3×3(ReLU(Conv3×3(ReLU(h))))` between the 1×1 layer and the
/// output make it a small ResNet, as in RealNVP (Dinh et al. 2017, arXiv:1605.08803).
/// With `hidden: 0` the net is the zero-initialised output convolution alone, Glow's
/// `conv2d_zeros` (the conditioner of its learned split prior).
///
/// `activation` replaces the ReLUs (Glow and RealNVP use ReLU; a smooth one such as softplus
/// suits finite-difference checks, which a ReLU kink inside the stencil spoils).
///
/// A context `[B, K]` enters as K extra input channels, each constant over `H × W` (the first
/// convolution's input is `[B, C_in + K, H, W]`); its gradient sums over the positions. A context
/// image `[B, K, H, W]` (Flow++'s dequantizer, conditioned on the discrete image) enters as its K
/// channels as they are, and gets its gradient as they are.
public final class ConvNet: Conditioner {
    /// The 3×3 and 1×1 hidden convolutions, absent with `hidden: 0`.
    public let hiddenLayers: (first: Conv2dLayer, mixing: Conv2dLayer)?
    /// Pairs of 3×3 convolutions, one pair per residual block.
    public let residual: [(Conv2dLayer, Conv2dLayer)]
    public let last: Conv2dLayer
    public let contextFeatures: Int
    public let activation: UnaryOp

    public init(
        name: String, inputChannels: Int, outputChannels: Int, hidden: Int, contextFeatures: Int = 0,
        residualBlocks: Int = 0, activation: UnaryOp = .relu, random: inout RandomStream, on device: any Device
    ) throws {
        guard contextFeatures >= 0, hidden >= 0, residualBlocks >= 0, hidden > 0 || residualBlocks == 0 else {
            throw FlowError.invalidArgument(
                op: "ConvNet(\(name))",
                detail: "hidden \(hidden), context features \(contextFeatures), residual blocks \(residualBlocks): "
                    + "need non-negative sizes and hidden channels for residual blocks")
        }
        let joinedChannels = inputChannels + contextFeatures
        if hidden > 0 {
            hiddenLayers = (
                try Conv2dLayer(name: "\(name).conv0", inputs: joinedChannels, outputs: hidden, kernel: 3, random: &random, on: device),
                try Conv2dLayer(name: "\(name).conv1", inputs: hidden, outputs: hidden, kernel: 1, random: &random, on: device)
            )
        } else {
            hiddenLayers = nil
        }
        var residual: [(Conv2dLayer, Conv2dLayer)] = []
        for block in 0..<residualBlocks {
            let prefix = "\(name).block\(block)"
            residual.append(
                (
                    try Conv2dLayer(name: "\(prefix).conv0", inputs: hidden, outputs: hidden, kernel: 3, random: &random, on: device),
                    try Conv2dLayer(name: "\(prefix).conv1", inputs: hidden, outputs: hidden, kernel: 3, random: &random, on: device)
                ))
        }
        self.residual = residual
        last = try Conv2dLayer(
            name: hidden > 0 ? "\(name).conv2" : "\(name).conv0", inputs: hidden > 0 ? hidden : joinedChannels,
            outputs: outputChannels, kernel: 3, initialization: .zeros, random: &random, on: device)
        self.contextFeatures = contextFeatures
        self.activation = activation
    }

    public var parameters: [Parameter] {
        (hiddenLayers.map { $0.first.parameters + $0.mixing.parameters } ?? [])
            + residual.flatMap { $0.0.parameters + $0.1.parameters } + last.parameters
    }

    struct Tape: BijectorTape {
        var input: Tensor
        /// The hidden convolutions' outputs and activations: conv0 → act0 → conv1 → act1.
        var hidden: (conv0: Tensor, act0: Tensor, conv1: Tensor, act1: Tensor)?
        /// Per residual block: its input, the first convolution's input and output, and the second's input.
        var blocks: [(input: Tensor, inner0: Tensor, conv0: Tensor, inner1: Tensor)]
        var lastInput: Tensor
        var inputChannels: Int
        /// Whether the context was an image (its gradient is then not summed over positions).
        var spatialContext: Bool
    }

    public func forward(_ input: Tensor, context: Tensor?) throws -> (output: Tensor, tape: any BijectorTape) {
        let joined = try joined(input, context)
        var h = joined
        var hiddenTape: (conv0: Tensor, act0: Tensor, conv1: Tensor, act1: Tensor)?
        if let layers = hiddenLayers {
            let conv0 = try layers.first.forward(joined)
            let act0 = try conv0.unary(activation)
            let conv1 = try layers.mixing.forward(act0)
            h = try conv1.unary(activation)
            hiddenTape = (conv0, act0, conv1, h)
        }
        var blocks: [(input: Tensor, inner0: Tensor, conv0: Tensor, inner1: Tensor)] = []
        for (conv0, conv1) in residual {
            let inner0 = try h.unary(activation)
            let out0 = try conv0.forward(inner0)
            let inner1 = try out0.unary(activation)
            blocks.append((h, inner0, out0, inner1))
            h = try h.adding(conv1.forward(inner1))
        }
        let tape = Tape(
            input: joined, hidden: hiddenTape, blocks: blocks, lastInput: h, inputChannels: input.shape[1], spatialContext: context?.rank == 4)
        return (try last.forward(h), tape)
    }

    public func backward(_ tape: any BijectorTape, gradOutput: Tensor) throws -> BijectorGradients {
        guard let tape = tape as? Tape else {
            throw FlowError.invalidArgument(op: "ConvNet.backward", detail: "tape is not from a ConvNet")
        }
        var grad = try last.backward(input: tape.lastInput, gradOutput: gradOutput)
        for (index, (conv0, conv1)) in residual.enumerated().reversed() {
            let block = tape.blocks[index]
            var inner = try conv1.backward(input: block.inner1, gradOutput: grad)
            inner = try Tensor.unaryBackward(activation, input: block.conv0, output: block.inner1, gradOutput: inner)
            inner = try conv0.backward(input: block.inner0, gradOutput: inner)
            // The skip connection passes `grad` through unchanged.
            grad = try grad.adding(Tensor.unaryBackward(activation, input: block.input, output: block.inner0, gradOutput: inner))
        }
        if let layers = hiddenLayers, let saved = tape.hidden {
            grad = try Tensor.unaryBackward(activation, input: saved.conv1, output: saved.act1, gradOutput: grad)
            grad = try layers.mixing.backward(input: saved.act0, gradOutput: grad)
            grad = try Tensor.unaryBackward(activation, input: saved.conv0, output: saved.act0, gradOutput: grad)
            grad = try layers.first.backward(input: tape.input, gradOutput: grad)
        }
        guard contextFeatures > 0 else { return BijectorGradients(input: grad, context: nil) }
        let parts = try grad.split([tape.inputChannels, contextFeatures])
        if tape.spatialContext { return BijectorGradients(input: parts[0], context: parts[1]) }
        let (batch, positions) = (grad.batch, grad.shape.dropFirst(2).reduce(1, *))
        let gradContext = try parts[1].reshaped([batch * contextFeatures, positions]).perSampleSum().reshaped([batch, contextFeatures])
        return BijectorGradients(input: parts[0], context: gradContext)
    }

    /// The input with the context broadcast over the positions as extra channels.
    private func joined(_ input: Tensor, _ context: Tensor?) throws -> Tensor {
        guard contextFeatures > 0 else { return input }
        guard input.rank == 4 else {
            throw FlowError.shapeMismatch(op: "ConvNet", detail: "input \(input.shape), expected [B, C, H, W]")
        }
        let (batch, height, width) = (input.batch, input.shape[2], input.shape[3])
        if let context, context.rank == 4 {
            guard context.shape == [batch, contextFeatures, height, width] else {
                throw FlowError.shapeMismatch(
                    op: "ConvNet", detail: "context image \(context.shape), expected [\(batch), \(contextFeatures), \(height), \(width)]")
            }
            return try Tensor.concat([input, context])
        }
        guard let context, context.shape == [batch, contextFeatures] else {
            throw FlowError.shapeMismatch(
                op: "ConvNet",
                detail:
                    "context \(context?.shape.description ?? "nil"), expected [\(batch), \(contextFeatures)] or an image [\(batch), \(contextFeatures), \(height), \(width)]"
            )
        }
        // ones[1, B·K, H·W] ⊙ context[B·K] broadcast along axis 1 = context[b, k] at every position.
        let ones = try Tensor.full([1, batch * contextFeatures, height * width], value: 1, on: input.device)
        let planes = try ones.applying(.multiply, context.reshaped([batch * contextFeatures]))
        return try Tensor.concat([input, planes.reshaped([batch, contextFeatures, height, width])])
    }
}
