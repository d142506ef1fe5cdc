import FlowRuntime

/// A WaveNet-style conditioner for sequences `[B, C, T]` (van den Oord et al. 2016,
/// arXiv:1609.03499): a stack of dilated causal 1-D convolutions with dilations 1, 2, 4, …,
/// residual ReLU layers (`activation` replaces ReLU) and a zero-initialised 1×1 output to `2C`
/// channels (`μ` then `α`).
///
/// The first layer is strictly causal, so output step `t` depends only on inputs before `t`: it
/// is a causal convolution of width `kernel` applied to the input shifted by one step, written as
/// a causal convolution of width `kernel + 1` whose current-step tap is masked out (the same
/// function, without materialising the shifted copy). Later layers are the runtime's causal
/// convolutions (`conv1dCausal`'s `[B, C, 1, T]` form). The autoregressive unit is the time step
/// (all channels of a step together). With `kernel = 2` and `L` layers the receptive field is the
/// `2^L` previous steps.
public final class WaveNet: AutoregressiveConditioner {
    public let channels: Int
    let stack: CausalConvStack

    public init(
        name: String, channels: Int, hidden: Int, layers: Int = 3, kernel: Int = 2, contextFeatures: Int = 0,
        activation: UnaryOp = .relu, random: inout RandomStream, on device: any Device
    ) throws {
        guard channels > 0, hidden > 0, layers >= 1, kernel >= 1 else {
            throw FlowError.invalidArgument(
                op: "WaveNet(\(name))", detail: "channels \(channels), hidden \(hidden), layers \(layers), kernel \(kernel) must be positive")
        }
        let firstTaps = (0...kernel).map { $0 < kernel ? Float(1) : 0 }  // the last tap reads step t itself
        var convs = [
            try MaskedConv(
                name: "\(name).layer0", inputs: channels, outputs: hidden, kernelHeight: 1, kernelWidth: kernel + 1,
                mask: Array([[Float]](repeating: firstTaps, count: hidden * channels).joined()), padding: .causal,
                random: &random, on: device)
        ]
        for index in 1..<layers {
            convs.append(
                try MaskedConv(
                    name: "\(name).layer\(index)", inputs: hidden, outputs: hidden, kernelHeight: 1, kernelWidth: kernel,
                    dilation: 1 << index, padding: .causal, random: &random, on: device))
        }
        convs.append(
            try MaskedConv(
                name: "\(name).layer\(layers)", inputs: hidden, outputs: 2 * channels, kernelHeight: 1, kernelWidth: 1,
                padding: .causal, initialization: .zeros, random: &random, on: device))
        stack = try CausalConvStack(name: name, layers: convs, contextFeatures: contextFeatures, activation: activation, random: &random, on: device)
        self.channels = channels
    }

    public var parameters: [Parameter] { stack.parameters }
    public var freeParameterCount: Int { stack.freeParameterCount }

    /// One pass per time step.
    public func sequentialPasses(eventShape: [Int]) -> Int { eventShape.last ?? 1 }

    public func forward(_ input: Tensor, context: Tensor?) throws -> (output: Tensor, tape: any BijectorTape) {
        guard input.rank == 3, input.shape[1] == channels else {
            throw FlowError.shapeMismatch(op: "WaveNet.forward", detail: "input \(input.shape), expected [B, \(channels), T]")
        }
        let (output, tape) = try stack.forward(as2D(input), context: context)
        return (try from2D(output), tape)
    }

    public func backward(_ tape: any BijectorTape, gradOutput: Tensor) throws -> BijectorGradients {
        let grads = try stack.backward(typed(tape), gradOutput: as2D(gradOutput), parameters: true)
        return BijectorGradients(input: try from2D(grads.input), context: grads.context)
    }

    public func inputGradient(_ tape: any BijectorTape, gradOutput: Tensor) throws -> Tensor {
        try from2D(stack.backward(typed(tape), gradOutput: as2D(gradOutput), parameters: false).input)
    }

    private func as2D(_ x: Tensor) throws -> Tensor { try x.reshaped([x.shape[0], x.shape[1], 1, x.shape[2]]) }
    private func from2D(_ x: Tensor) throws -> Tensor { try x.reshaped([x.shape[0], x.shape[1], x.shape[3]]) }

    private func typed(_ tape: any BijectorTape) throws -> CausalConvStack.Tape {
        guard let tape = tape as? CausalConvStack.Tape else {
            throw FlowError.invalidArgument(op: "WaveNet.backward", detail: "tape of type \(type(of: tape)) is not from a WaveNet")
        }
        return tape
    }
}
