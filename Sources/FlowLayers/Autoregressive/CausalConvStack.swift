import FlowRuntime

/// The network behind the convolutional autoregressive conditioners (`PixelCNN`, `WaveNet`), on
/// `[B, C, H, W]`: a strictly causal first convolution (its output at a position sees only earlier
/// positions), then residual layers `a ← a + σ(conv(a))` (σ = ReLU by default) whose
/// convolutions may also see the current position, then a zero-initialised output convolution.
/// Causality composes: every unit after the first layer depends only on inputs strictly before
/// its position.
///
/// The context `[B, K]`, when given, enters the first layer as a per-sample, per-channel bias
/// `V · c` (no bias of its own: the convolution has one); it has no position, so it keeps causality.
final class CausalConvStack {
    let layers: [MaskedConv]
    let contextWeight: Parameter?
    let activation: UnaryOp

    /// `layers`: first, residual middle layers (hidden → hidden), output; at least two.
    init(name: String, layers: [MaskedConv], contextFeatures: Int, activation: UnaryOp, random: inout RandomStream, on device: any Device) throws {
        guard layers.count >= 2 else {
            throw FlowError.invalidArgument(op: "CausalConvStack(\(name))", detail: "need a first and an output layer, got \(layers.count) layers")
        }
        self.layers = layers
        self.activation = activation
        contextWeight =
            contextFeatures > 0
            ? Parameter(
                "\(name).context.weight",
                try Initialization.uniformFanIn.tensor([layers[0].outputs, contextFeatures], fanIn: contextFeatures, random: &random, on: device))
            : nil
    }

    var parameters: [Parameter] { layers.flatMap(\.parameters) + (contextWeight.map { [$0] } ?? []) }
    var freeParameterCount: Int { layers.reduce(0) { $0 + $1.freeParameterCount } + (contextWeight?.value.count ?? 0) }

    struct Tape: BijectorTape {
        var input: Tensor
        var context: Tensor?
        /// The input of layer `l + 1` (after the residual sum), and each hidden layer's
        /// pre-activation and activation.
        var activations: [Tensor]
        var preActivations: [Tensor]
        var activated: [Tensor]
    }

    func forward(_ x: Tensor, context: Tensor?) throws -> (output: Tensor, tape: Tape) {
        var z = try layers[0].forward(x)
        var used: Tensor?
        if let contextWeight {
            guard let context, context.shape == [x.batch, contextWeight.shape[1]] else {
                throw FlowError.shapeMismatch(
                    op: "CausalConvStack", detail: "context \(context?.shape.description ?? "nil"), expected [\(x.batch), \(contextWeight.shape[1])]")
            }
            z = try addingPerSample(z, context.linear(weight: contextWeight.value))
            used = context
        }
        var preActivations = [z]
        var current = try z.unary(activation)
        var activated = [current]
        var activations = [current]
        for layer in layers.dropFirst().dropLast() {
            z = try layer.forward(current)
            let fired = try z.unary(activation)
            preActivations.append(z)
            activated.append(fired)
            current = try current.adding(fired)
            activations.append(current)
        }
        let output = try layers[layers.count - 1].forward(current)
        let tape = Tape(input: x, context: used, activations: activations, preActivations: preActivations, activated: activated)
        return (output, tape)
    }

    /// Backward through the stack; with `parameters == false` only `∂x` (no weight gradients, no
    /// accumulation), for IAF's input-only products.
    func backward(_ tape: Tape, gradOutput: Tensor, parameters: Bool) throws -> BijectorGradients {
        func through(_ index: Int, _ input: Tensor, _ grad: Tensor) throws -> Tensor {
            parameters
                ? try layers[index].backward(input: input, gradOutput: grad)
                : try layers[index].inputGradient(inputShape: input.shape, gradOutput: grad)
        }
        let last = layers.count - 1
        var grad = try through(last, tape.activations[last - 1], gradOutput)
        for index in stride(from: last - 1, through: 1, by: -1) {
            let gradZ = try Tensor.unaryBackward(activation, input: tape.preActivations[index], output: tape.activated[index], gradOutput: grad)
            grad = try grad.adding(through(index, tape.activations[index - 1], gradZ))
        }
        let gradFirst = try Tensor.unaryBackward(activation, input: tape.preActivations[0], output: tape.activated[0], gradOutput: grad)
        var gradContext: Tensor?
        if parameters, let contextWeight, let context = tape.context {
            let (samples, channels) = (gradFirst.batch, gradFirst.shape[1])
            let perSample = try gradFirst.reshaped([1, samples * channels, gradFirst.shape[2...].reduce(1, *)])
                .channelSum().reshaped([samples, channels])
            let grads = try Tensor.linearBackward(input: context, weight: contextWeight.value, hasBias: false, gradOutput: perSample)
            try contextWeight.accumulate(grads.weight)
            gradContext = grads.input
        }
        return BijectorGradients(input: try through(0, tape.input, gradFirst), context: gradContext)
    }

    /// `z[b, f, …] + p[b, f]`: the `[B, F]` projection broadcast over positions, by viewing
    /// `(b, f)` pairs as the channel axis of a `[1, B·F, positions]` tensor.
    private func addingPerSample(_ z: Tensor, _ projection: Tensor) throws -> Tensor {
        let positions = z.shape[2...].reduce(1, *)
        return try z.reshaped([1, projection.count, positions]).applying(.add, projection.reshaped([projection.count])).reshaped(z.shape)
    }
}
