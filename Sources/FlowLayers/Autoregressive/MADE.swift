import FlowRuntime

/// MADE, the masked autoencoder for distribution estimation (Germain et al. 2015,
/// arXiv:1502.03509): an MLP `Linear → ReLU → … → Linear` whose weights are multiplied by fixed
/// binary masks built from `MADEDegrees`, so output `j` depends only on the inputs of degree
/// below `output[j]`. For `[B, D]` inputs the output is `[B, 2D]`: `μ = o[:, 0:D]`,
/// `α = o[:, D:2D]` (W2/W3). The context `[B, K]`, when given, feeds every unit of the first hidden
/// layer through unmasked columns: it carries no position in the autoregressive order.
///
/// The last layer is zero-initialised, so an autoregressive transform driven by a MADE starts as
/// the identity; hidden layers use PyTorch's `U(±1/√fan_in)` over the full (unmasked) fan-in.
/// `activation` replaces the ReLUs (W2/W3 use ReLU; a smooth one such as softplus suits
/// finite-difference checks, which a ReLU kink inside the stencil spoils).
public final class MADE: AutoregressiveConditioner {
    public let layers: [Linear]
    public let degrees: MADEDegrees
    public let contextFeatures: Int
    public let activation: UnaryOp
    /// Ones in each layer's mask (context columns included): the weights that can change the output.
    public let maskNonzeros: [Int]

    /// `hidden` lists the hidden layer widths (W2: `[256, 256]`); it may be empty (one masked layer).
    public init(
        name: String, features: Int, hidden: [Int], contextFeatures: Int = 0, degrees assignment: MADEDegrees.Assignment = .sequential,
        activation: UnaryOp = .relu, random: inout RandomStream, on device: any Device
    ) throws {
        guard contextFeatures >= 0 else {
            throw FlowError.invalidArgument(op: "MADE(\(name))", detail: "negative context features \(contextFeatures)")
        }
        degrees = try MADEDegrees(features: features, hidden: hidden, assignment: assignment, random: &random)
        let masks = degrees.masks(contextFeatures: contextFeatures)
        let sizes = [features] + hidden + [2 * features]
        var layers: [Linear] = []
        for index in 0..<(sizes.count - 1) {
            let inputs = sizes[index] + (index == 0 ? contextFeatures : 0)
            let mask = try Tensor(masks[index], shape: [sizes[index + 1], inputs], on: device)
            layers.append(
                try Linear(
                    name: "\(name).layer\(index)", inputs: inputs, outputs: sizes[index + 1], mask: mask,
                    initialization: index == sizes.count - 2 ? .zeros : .uniformFanIn, random: &random, on: device))
        }
        self.layers = layers
        self.contextFeatures = contextFeatures
        self.activation = activation
        maskNonzeros = masks.map { $0.reduce(0) { $0 + Int($1) } }
    }

    public var features: Int { degrees.features }
    public var parameters: [Parameter] { layers.flatMap(\.parameters) }
    /// Mask nonzeros plus biases (the workloads' "params free").
    public var freeParameterCount: Int { maskNonzeros.reduce(0, +) + layers.reduce(0) { $0 + $1.outputs } }

    public func sequentialPasses(eventShape: [Int]) -> Int { features }

    struct Tape: BijectorTape {
        /// Each layer's input (the joined input for layer 0, then the hidden activations), and
        /// each hidden pre-activation.
        var inputs: [Tensor]
        var preActivations: [Tensor]
    }

    public func forward(_ input: Tensor, context: Tensor?) throws -> (output: Tensor, tape: any BijectorTape) {
        guard input.rank == 2, input.shape[1] == features else {
            throw FlowError.shapeMismatch(op: "MADE.forward", detail: "input \(input.shape), expected [B, \(features)]")
        }
        var current = try joined(input, context)
        var inputs: [Tensor] = []
        var preActivations: [Tensor] = []
        for (index, layer) in layers.enumerated() {
            inputs.append(current)
            if index < layers.count - 1, activation == .relu {
                // Fused into the product; a ReLU's output is positive exactly where its input is,
                // so it stands in for the pre-activation in the backward.
                current = try layer.forward(current, activation: .relu)
                preActivations.append(current)
            } else {
                current = try layer.forward(current)
                if index < layers.count - 1 {
                    preActivations.append(current)
                    current = try current.unary(activation)
                }
            }
        }
        return (current, Tape(inputs: inputs, preActivations: preActivations))
    }

    public func backward(_ tape: any BijectorTape, gradOutput: Tensor) throws -> BijectorGradients {
        let tape = try typed(tape)
        var grad = gradOutput
        for index in layers.indices.reversed() {
            if index < layers.count - 1 { grad = try activationBackward(tape, index, grad) }
            grad = try layers[index].backward(input: tape.inputs[index], gradOutput: grad)
        }
        guard contextFeatures > 0 else { return BijectorGradients(input: grad, context: nil) }
        let parts = try grad.split([features, contextFeatures])
        return BijectorGradients(input: parts[0], context: parts[1])
    }

    /// `∂L/∂x = ∂L/∂y · (W ⊙ M)` layer by layer: no weight-gradient products at all.
    public func inputGradient(_ tape: any BijectorTape, gradOutput: Tensor) throws -> Tensor {
        let tape = try typed(tape)
        var grad = gradOutput
        for index in layers.indices.reversed() {
            if index < layers.count - 1 { grad = try activationBackward(tape, index, grad) }
            let layer = layers[index]
            let effective = try layer.mask.map { try layer.weight.value.applying(.multiply, $0) } ?? layer.weight.value
            grad = try grad.matmul(effective)
        }
        return contextFeatures > 0 ? try grad.split([features, contextFeatures])[0] : grad
    }

    private func typed(_ tape: any BijectorTape) throws -> Tape {
        guard let tape = tape as? Tape else {
            throw FlowError.invalidArgument(op: "MADE.backward", detail: "tape of type \(type(of: tape)) is not from a MADE")
        }
        return tape
    }

    /// Through hidden layer `index`'s activation, whose output is layer `index + 1`'s input.
    private func activationBackward(_ tape: Tape, _ index: Int, _ grad: Tensor) throws -> Tensor {
        try Tensor.unaryBackward(activation, input: tape.preActivations[index], output: tape.inputs[index + 1], gradOutput: grad)
    }

    private func joined(_ input: Tensor, _ context: Tensor?) throws -> Tensor {
        guard contextFeatures > 0 else { return input }
        guard let context, context.shape == [input.batch, contextFeatures] else {
            throw FlowError.shapeMismatch(
                op: "MADE", detail: "context \(context?.shape.description ?? "nil"), expected [\(input.batch), \(contextFeatures)]")
        }
        return try Tensor.concat([input, context])
    }
}
