extension Tensor {
    /// One layer of `Tensor.mlp`: `weight` `[outputs, inputs]` (PyTorch's layout) and `bias`
    /// `[outputs]`.
    public struct DenseLayer {
        public var weight: Tensor
        public var bias: Tensor

        public init(weight: Tensor, bias: Tensor) {
            (self.weight, self.bias) = (weight, bias)
        }
    }

    /// A multilayer perceptron on a batch `x` `[B, inputs]`: `x · W₀ᵀ + b₀`, ReLU, … , with no
    /// activation after the last layer. Returns every layer's output (the hidden ones after
    /// their ReLU), which `mlpBackward` needs. The layer says what it computes and the device
    /// chooses how: as one chain separable by rows (`gemmRowChain`), which a CPU runs a block of
    /// rows at a time through every layer.
    public static func mlp(_ x: Tensor, layers: [DenseLayer]) throws -> [Tensor] {
        let op = "mlp"
        guard !layers.isEmpty else { throw FlowError.invalidArgument(op: op, detail: "no layers") }
        try Validate.rank(op, "input", x, 2...2)
        var features = x.shape[1]
        for (index, layer) in layers.enumerated() {
            try Validate.sameDevice(op, x, layer.weight)
            try Validate.sameDevice(op, x, layer.bias)
            guard layer.weight.rank == 2, layer.weight.shape[1] == features, layer.bias.shape == [layer.weight.shape[0]] else {
                throw FlowError.shapeMismatch(
                    op: op, detail: "layer \(index): weight \(layer.weight.shape), bias \(layer.bias.shape) after \(features) features")
            }
            features = layer.weight.shape[0]
        }
        let batch = x.shape[0]
        let outputs = try layers.map { try Tensor.empty([batch, $0.weight.shape[0]], on: x.device) }
        let stages = layers.indices.map { index in
            let (inputs, width) = (layers[index].weight.shape[1], layers[index].weight.shape[0])
            let spec = GemmSpec(
                m: batch, n: width, k: inputs, transposeB: true, activation: index == layers.count - 1 ? .none : .relu)
            return ChainStage(specs: [spec], a: index == 0 ? x : outputs[index - 1], b: layers[index].weight, c: outputs[index], bias: layers[index].bias)
        }
        try gemmRowChain(stages)
        return outputs
    }

    /// The backward of `mlp` with respect to its input and to each layer's product: from the
    /// gradient of the last output, the layers' `weights` and the `inputs` of each layer (`x`,
    /// then each hidden output `mlp` returned), returns `∂x` and the gradient flowing into each
    /// layer's product (each hidden ReLU's backward applied), from which the caller accumulates
    /// the weight and bias gradients. One chain separable by rows, each ReLU's backward fused as
    /// a gate (a hidden output is positive exactly where its pre-activation is).
    public static func mlpBackward(
        _ gradOutput: Tensor, weights: [Tensor], inputs: [Tensor]
    ) throws -> (input: Tensor, products: [Tensor]) {
        let op = "mlpBackward"
        guard !weights.isEmpty, inputs.count == weights.count else {
            throw FlowError.invalidArgument(op: op, detail: "\(weights.count) weights for \(inputs.count) layer inputs")
        }
        try Validate.rank(op, "gradOutput", gradOutput, 2...2)
        let batch = gradOutput.shape[0]
        for (index, (weight, input)) in zip(weights, inputs).enumerated() {
            guard weight.rank == 2, input.shape == [batch, weight.shape[1]] else {
                throw FlowError.shapeMismatch(op: op, detail: "layer \(index): weight \(weight.shape), input \(input.shape), batch \(batch)")
            }
        }
        guard let last = weights.last, gradOutput.shape == [batch, last.shape[0]] else {
            throw FlowError.shapeMismatch(op: op, detail: "gradOutput \(gradOutput.shape) for last weight \(weights.last?.shape ?? [])")
        }
        var products = [Tensor](repeating: gradOutput, count: weights.count)
        var stages: [ChainStage] = []
        var gradInput = gradOutput
        for index in weights.indices.reversed() {
            let weight = weights[index]
            let flowing = try Tensor.empty([batch, weight.shape[1]], on: gradOutput.device)
            stages.append(
                ChainStage(
                    specs: [GemmSpec(m: batch, n: weight.shape[1], k: weight.shape[0])], a: products[index], b: weight, c: flowing,
                    gate: index > 0 ? inputs[index] : nil))
            if index > 0 { products[index - 1] = flowing } else { gradInput = flowing }
        }
        try gemmRowChain(stages)
        return (gradInput, products)
    }
}
