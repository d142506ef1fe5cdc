import FlowRuntime
import FlowTestSupport
import Testing

/// `Tensor.mlp` and `Tensor.mlpBackward`, the intent-level op behind the MLP conditioner: each
/// layer against the reference fed with the layer's actual input (so the tolerance bounds that
/// layer's own rounding), on a batch and widths off every tile grid (a hidden width of 1
/// included), on every device; and malformed layers refused with the layer named.
@Suite struct MLPOpTests {
    static let (batch, sizes) = (83, [5, 70, 1, 3])

    @Test(arguments: TestDevices.all)
    func forwardAndBackwardMatchTheReference(_ d: TestDevice) throws {
        var rng = SeededRandom(seed: 41)
        let (batch, sizes) = (Self.batch, Self.sizes)
        let x = try d.tensor(rng.floats(batch * sizes[0]), [batch, sizes[0]])
        let layers = try (0..<(sizes.count - 1)).map { index in
            Tensor.DenseLayer(
                weight: try d.tensor(rng.floats(sizes[index + 1] * sizes[index]), [sizes[index + 1], sizes[index]]),
                bias: try d.tensor(rng.floats(sizes[index + 1]), [sizes[index + 1]]))
        }
        try d.poisonCache(batch * sizes[1], batch * sizes[2], batch * sizes[3])
        let outputs = try Tensor.mlp(x, layers: layers)
        #expect(outputs.map(\.shape) == sizes.dropFirst().map { [batch, $0] })
        let inputs = [x] + outputs.dropLast()
        for (index, layer) in layers.enumerated() {
            let spec = GemmSpec(
                m: batch, n: sizes[index + 1], k: sizes[index], transposeB: true,
                activation: index == layers.count - 1 ? .none : .relu)
            let (a, b, bias) = (try inputs[index].values(), try layer.weight.values(), try layer.bias.values())
            let zeros = [Double](repeating: 0, count: batch * sizes[index + 1])
            try expectClose(
                outputs[index], Reference.gemm(spec, a: a, b: b, c: zeros, bias: bias), rtol: OpTolerance.gemmRtol,
                atol: OpTolerance.gemmAtol(spec, a: a, b: b, c: zeros, bias: bias), "mlp layer \(index)")
        }

        let gradOutput = try d.tensor(rng.floats(batch * sizes[3]), [batch, sizes[3]])
        let (gradInput, products) = try Tensor.mlpBackward(gradOutput, weights: layers.map(\.weight), inputs: inputs)
        #expect(try products[layers.count - 1].values() == gradOutput.values())
        for index in layers.indices {
            // The gradient flowing out of layer `index`: its product's gradient times W, gated by
            // the layer input's ReLU output (none for the MLP's own input).
            let flowing = index == 0 ? gradInput : products[index - 1]
            let spec = GemmSpec(m: batch, n: sizes[index], k: sizes[index + 1])
            let (a, b) = (try products[index].values(), try layers[index].weight.values())
            let zeros = [Double](repeating: 0, count: batch * sizes[index])
            var expected = Reference.gemm(spec, a: a, b: b, c: zeros, bias: nil)
            if index > 0 { expected = zip(expected, try inputs[index].values()).map { $1 > 0 ? $0 : 0 } }
            try expectClose(
                flowing, expected, rtol: OpTolerance.gemmRtol, atol: OpTolerance.gemmAtol(spec, a: a, b: b, c: zeros, bias: nil),
                "mlpBackward into layer \(index)")
        }
    }

    @Test(arguments: TestDevices.all)
    func malformedLayersAreRefused(_ d: TestDevice) throws {
        let x = try Tensor.zeros([4, 3], on: d.device)
        let good = Tensor.DenseLayer(weight: try Tensor.zeros([5, 3], on: d.device), bias: try Tensor.zeros([5], on: d.device))
        let wrongInputs = Tensor.DenseLayer(weight: try Tensor.zeros([2, 4], on: d.device), bias: try Tensor.zeros([2], on: d.device))
        let wrongBias = Tensor.DenseLayer(weight: try Tensor.zeros([2, 5], on: d.device), bias: try Tensor.zeros([3], on: d.device))
        for layers in [[], [wrongInputs], [good, wrongInputs], [good, wrongBias]] {
            #expect(throws: FlowError.self) { try Tensor.mlp(x, layers: layers) }
        }
        let outputs = try Tensor.mlp(x, layers: [good])
        #expect(throws: FlowError.self) { try Tensor.mlpBackward(outputs[0], weights: [good.weight], inputs: []) }
        #expect(throws: FlowError.self) { try Tensor.mlpBackward(outputs[0], weights: [good.weight], inputs: [outputs[0]]) }
    }
}
