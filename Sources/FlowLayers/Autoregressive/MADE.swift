import FlowRuntime

/// MADE, the masked autoencoder for distribution estimation (Germain et al. 2015,
/// arXiv:1502.03509): an MLP `Linear → ReLU → … → Linear` whose weights are multiplied by fixed
/// binary masks built from `MADEDegrees`, so output `j` depends only on the inputs of degree
/// below `output[j]`. For `[B, D]` inputs the output is `[B, m·D]` with `m` outputs per feature
/// (`outputsPerFeature`); by default `m = 2` in blocks, `μ = o[:, 0:D]`, `α = o[:, D:2D]` (MAF's),
/// while a spline transformer takes `m = 3K − 1` feature by feature. The context `[B, K]`, when given, feeds every unit of the first hidden
/// layer through unmasked columns: it carries no position in the autoregressive order.
///
/// The last layer is zero-initialised, so an autoregressive transform driven by a MADE starts as
/// the identity; hidden layers use PyTorch's `U(±1/√fan_in)` over the full (unmasked) fan-in.
/// `activation` replaces the ReLUs (ReLU is the default; a smooth one such as softplus suits
/// finite-difference checks, which a ReLU kink inside the stencil spoils).
public final class MADE: AutoregressiveConditioner {
    public let layers: [Linear]
    public let degrees: MADEDegrees
    public let contextFeatures: Int
    public let activation: UnaryOp
    /// Ones in each layer's mask (context columns included): the weights that can change the output.
    public let maskNonzeros: [Int]
    /// The degree order the products run in (see `MADE+BlockedProducts`).
    let layout: MADESortedLayout
    /// The weights in that order and the parameter versions they were built from. Like a
    /// training loop's tapes, this makes a MADE a thing one caller uses at a time.
    var sortedCache: SortedCache?

    struct SortedCache {
        let versions: [UInt64]
        let layers: [SortedLayer]
    }

    /// `hidden` lists the hidden layer widths (`[256, 256]`: two layers of 256); it may be empty
    /// (one masked layer).
    public init(
        name: String, features: Int, hidden: [Int], contextFeatures: Int = 0, degrees assignment: MADEDegrees.Assignment = .sequential,
        outputsPerFeature: Int = 2, outputLayout: MADEDegrees.OutputLayout = .parameterMajor,
        activation: UnaryOp = .relu, random: inout RandomStream, on device: any Device
    ) throws {
        guard contextFeatures >= 0 else {
            throw FlowError.invalidArgument(op: "MADE(\(name))", detail: "negative context features \(contextFeatures)")
        }
        degrees = try MADEDegrees(
            features: features, hidden: hidden, assignment: assignment, outputsPerFeature: outputsPerFeature, outputLayout: outputLayout,
            random: &random)
        let masks = degrees.masks(contextFeatures: contextFeatures)
        let sizes = [features] + hidden + [outputsPerFeature * features]
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
        layout = try MADESortedLayout(degrees: degrees, contextFeatures: contextFeatures, masks: masks, on: device)
    }

    public var features: Int { degrees.features }
    /// Output columns: `outputsPerFeature · features`.
    public var outputs: Int { degrees.outputsPerFeature * degrees.features }
    public var parameters: [Parameter] { layers.flatMap(\.parameters) }
    /// Mask nonzeros plus biases (the workloads' "params free").
    public var freeParameterCount: Int { maskNonzeros.reduce(0, +) + layers.reduce(0) { $0 + $1.outputs } }

    public func sequentialPasses(eventShape: [Int]) -> Int { features }

    struct Tape: BijectorTape {
        /// Everything in degree order: each layer's input (the joined input for layer 0, then the
        /// hidden activations), each hidden pre-activation, and the weights the pass used.
        var inputs: [Tensor]
        var preActivations: [Tensor]
        var layers: [SortedLayer]
    }

    /// Runs in degree order on block-triangular products (`MADE+BlockedProducts`); the output is
    /// moved back to the original order `[μ, α]`.
    public func forward(_ input: Tensor, context: Tensor?) throws -> (output: Tensor, tape: any BijectorTape) {
        guard input.rank == 2, input.shape[1] == features else {
            throw FlowError.shapeMismatch(op: "MADE.forward", detail: "input \(input.shape), expected [B, \(features)]")
        }
        let sorted = try sortedLayers()
        var current = try joined(input, context)
        if let order = layout.inputOrder { current = try current.gather(order) }
        var inputs: [Tensor] = []
        var preActivations: [Tensor] = []
        if activation == .relu {
            // ReLUs fused into the products; a ReLU's output is positive exactly where its input
            // is, so it stands in for the pre-activation in the backward.
            let outputs = try blockedReluChain(current, sorted)
            inputs = [current] + outputs.dropLast()
            preActivations = Array(outputs.dropLast())
            current = outputs[outputs.count - 1]
        } else {
            for index in layers.indices {
                inputs.append(current)
                current = try blockedProduct(layer: index, current, sorted[index], activation: .none)
                if index < layers.count - 1 {
                    preActivations.append(current)
                    current = try current.unary(activation)
                }
            }
        }
        let output = try current.gather(layout.rowInverse[layers.count - 1])
        return (output, Tape(inputs: inputs, preActivations: preActivations, layers: sorted))
    }

    public func backward(_ tape: any BijectorTape, gradOutput: Tensor) throws -> BijectorGradients {
        let grad = try backpropagate(typed(tape), gradOutput: gradOutput, accumulating: true)
        guard contextFeatures > 0 else { return BijectorGradients(input: grad, context: nil) }
        let parts = try grad.split([features, contextFeatures])
        return BijectorGradients(input: parts[0], context: parts[1])
    }

    /// `∂L/∂x = ∂L/∂y · (W ⊙ M)` layer by layer: no weight-gradient products at all.
    public func inputGradient(_ tape: any BijectorTape, gradOutput: Tensor) throws -> Tensor {
        let grad = try backpropagate(typed(tape), gradOutput: gradOutput, accumulating: false)
        return contextFeatures > 0 ? try grad.split([features, contextFeatures])[0] : grad
    }

    /// The joined input's gradient `[B, features + context]` in the original order, accumulating
    /// the parameters' gradients on the way when asked to.
    private func backpropagate(_ tape: Tape, gradOutput: Tensor, accumulating: Bool) throws -> Tensor {
        guard gradOutput.shape == [tape.inputs[0].shape[0], outputs] else {
            throw FlowError.shapeMismatch(op: "MADE.backward", detail: "gradOutput \(gradOutput.shape), expected [\(tape.inputs[0].shape[0]), \(outputs)]")
        }
        var grad = try gradOutput.gather(layout.rowOrder[layers.count - 1])
        for index in layers.indices.reversed() {
            if index < layers.count - 1 { grad = try activationBackward(tape, index, grad) }
            if accumulating { try accumulateBlockedParameterGradients(layer: index, gradOutput: grad, input: tape.inputs[index]) }
            grad = try blockedInputGradient(layer: index, gradOutput: grad, tape.layers[index])
        }
        if let inverse = layout.inputInverse { grad = try grad.gather(inverse) }
        return grad
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
