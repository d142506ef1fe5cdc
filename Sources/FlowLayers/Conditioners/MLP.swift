import FlowRuntime

/// A multilayer perceptron `Linear → ReLU → … → Linear`, the conditioner of vector couplings.
/// The context, when the flow has one, is concatenated to the input features. The last layer is
/// zero-initialised by default, so the transform it drives starts as the identity.
public final class MLP: Conditioner {
    public let layers: [Linear]
    public let contextFeatures: Int

    /// `sizes` = [inputs, hidden…, outputs] (inputs without the context features).
    public init(
        name: String, sizes: [Int], contextFeatures: Int = 0, zeroLast: Bool = true,
        random: inout RandomStream, on device: any Device
    ) throws {
        guard sizes.count >= 2, sizes.allSatisfy({ $0 > 0 }) else {
            throw FlowError.invalidArgument(op: "MLP(\(name))", detail: "sizes \(sizes): need at least input and output sizes, all positive")
        }
        var layers: [Linear] = []
        for index in 0..<(sizes.count - 1) {
            let last = index == sizes.count - 2
            layers.append(
                try Linear(
                    name: "\(name).layer\(index)", inputs: sizes[index] + (index == 0 ? contextFeatures : 0),
                    outputs: sizes[index + 1], initialization: last && zeroLast ? .zeros : .uniformFanIn,
                    random: &random, on: device))
        }
        self.layers = layers
        self.contextFeatures = contextFeatures
    }

    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    struct Tape: BijectorTape {
        /// The input of each layer: the joined input, then each hidden layer's ReLU output (which
        /// is positive exactly where its pre-activation is, so the backward needs nothing else).
        var inputs: [Tensor]
        var featureCount: Int
    }

    public func forward(_ input: Tensor, context: Tensor?) throws -> (output: Tensor, tape: any BijectorTape) {
        let x = try joined(input, context)
        guard x.rank == 2, x.shape[1] == layers[0].inputs else {
            throw FlowError.shapeMismatch(op: "MLP.forward", detail: "input \(x.shape), expected [B, \(layers[0].inputs)] (features and context)")
        }
        let outputs = try Tensor.mlp(x, layers: layers.map { Tensor.DenseLayer(weight: try $0.effectiveWeight, bias: $0.bias.value) })
        return (outputs[outputs.count - 1], Tape(inputs: [x] + outputs.dropLast(), featureCount: input.shape[1]))
    }

    public func backward(_ tape: any BijectorTape, gradOutput: Tensor) throws -> BijectorGradients {
        guard let tape = tape as? Tape else {
            throw FlowError.invalidArgument(op: "MLP.backward", detail: "tape is not from an MLP")
        }
        let (grad, gradOutputs) = try Tensor.mlpBackward(gradOutput, weights: layers.map { try $0.effectiveWeight }, inputs: tape.inputs)
        for (index, layer) in layers.enumerated() {
            try layer.accumulateParameterGradients(input: tape.inputs[index], gradOutput: gradOutputs[index])
        }
        guard contextFeatures > 0 else { return BijectorGradients(input: grad, context: nil) }
        let parts = try grad.split([tape.featureCount, contextFeatures])
        return BijectorGradients(input: parts[0], context: parts[1])
    }

    private func joined(_ input: Tensor, _ context: Tensor?) throws -> Tensor {
        guard contextFeatures > 0 else { return input }
        guard let context, context.shape == [input.batch, contextFeatures] else {
            throw FlowError.shapeMismatch(
                op: "MLP", detail: "context \(context?.shape.description ?? "nil"), expected [\(input.batch), \(contextFeatures)]")
        }
        return try Tensor.concat([input, context])
    }
}
