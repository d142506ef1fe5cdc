import FlowRuntime
import FlowTestSupport
import Testing

/// A convolution output sums `C·kh·kw` products plus the bias: the same float32 accumulation
/// bound as gemm (`Tolerance.accumulated`, 8·ε·√terms·Σ|terms|) and rtol 1e-6 for the final
/// rounding. A wrong tap, padding or dilation is off by a whole |term|.
private let convRtol = OpTolerance.convRtol

/// Small shapes (the Double reference is a direct 7-deep loop) with awkward sizes: 1×1, 3×3, 5×5,
/// non-square kernels, dilation 2, masks, images smaller than the kernel's reach.
private let forwardCases: [ConvCase] = [
    ConvCase(batch: 2, inChannels: 3, outChannels: 5, height: 7, width: 17, kernelH: 1, kernelW: 1),
    ConvCase(batch: 3, inChannels: 33, outChannels: 17, height: 1, width: 1, kernelH: 1, kernelW: 1, bias: true),
    // 1×1 over more than one 64×64 gemm tile in channels and pixels (a batched product on kernel devices).
    ConvCase(batch: 3, inChannels: 70, outChannels: 65, height: 9, width: 9, kernelH: 1, kernelW: 1, bias: true),
    // The same with every row 4-aligned (the gemm's vector loads for both operands).
    ConvCase(batch: 2, inChannels: 68, outChannels: 66, height: 9, width: 8, kernelH: 1, kernelW: 1, bias: true),
    ConvCase(batch: 1, inChannels: 7, outChannels: 3, height: 17, width: 7, kernelH: 3, kernelW: 3, bias: true),
    ConvCase(batch: 2, inChannels: 4, outChannels: 4, height: 5, width: 9, kernelH: 3, kernelW: 3, masked: true),
    ConvCase(batch: 2, inChannels: 3, outChannels: 7, height: 9, width: 6, kernelH: 5, kernelW: 5, bias: true),
    ConvCase(batch: 1, inChannels: 5, outChannels: 6, height: 11, width: 13, kernelH: 3, kernelW: 3, dilation: 2),
    ConvCase(
        batch: 2, inChannels: 2, outChannels: 3, height: 3, width: 4, kernelH: 5, kernelW: 5, dilation: 2, bias: true,
        masked: true),
    ConvCase(batch: 1, inChannels: 3, outChannels: 2, height: 6, width: 7, kernelH: 1, kernelW: 3, bias: true),
    ConvCase(batch: 2, inChannels: 16, outChannels: 33, height: 16, width: 16, kernelH: 3, kernelW: 3, bias: true),
    // Fewer output than input channels on small images: computed on the output side on the CPU.
    ConvCase(batch: 3, inChannels: 64, outChannels: 4, height: 4, width: 4, kernelH: 3, kernelW: 3, bias: true),
    ConvCase(batch: 2, inChannels: 32, outChannels: 8, height: 2, width: 2, kernelH: 3, kernelW: 3, bias: true, masked: true),
    ConvCase(batch: 2, inChannels: 9, outChannels: 4, height: 6, width: 5, kernelH: 3, kernelW: 5, dilation: 2, bias: true),
]

private let causalCases: [ConvCase] = [
    ConvCase(batch: 1, inChannels: 1, outChannels: 1, height: 1, width: 1, kernelH: 1, kernelW: 2, causal: true),
    ConvCase(batch: 2, inChannels: 3, outChannels: 5, height: 1, width: 7, kernelH: 1, kernelW: 2, bias: true, causal: true),
    ConvCase(
        batch: 3, inChannels: 4, outChannels: 7, height: 1, width: 33, kernelH: 1, kernelW: 3, dilation: 2, bias: true,
        causal: true),
    ConvCase(
        batch: 2, inChannels: 17, outChannels: 3, height: 1, width: 100, kernelH: 1, kernelW: 2, dilation: 4,
        causal: true),
]

private func expectConvForward(_ d: TestDevice, _ c: ConvCase, seed: UInt64) throws {
    let data = c.data(seed: seed)
    let output = try c.forward(on: d, input: data.input, weight: data.weight, bias: data.bias, mask: data.mask)
    #expect(output.shape == c.outputShape)
    let weight = Reference.multiply(data.weight, data.mask)
    let expected = Reference.conv2d(c.geometry, input: data.input, weight: weight, bias: data.bias)
    let magnitude = Reference.conv2dMagnitude(c.geometry, input: data.input, weight: weight, bias: data.bias)
    try expectClose(
        output, expected, rtol: convRtol,
        atol: Tolerance.accumulated(terms: c.inChannels * c.kernelH * c.kernelW + 1, magnitude: magnitude), "\(c)")
}

@Suite struct ConvTests {
    @Test(arguments: TestDevices.all, forwardCases)
    func conv2dMatchesReference(_ d: TestDevice, _ c: ConvCase) throws {
        try expectConvForward(d, c, seed: 21)
    }

    @Test(arguments: TestDevices.all, causalCases)
    func conv1dCausalMatchesReference(_ d: TestDevice, _ c: ConvCase) throws {
        try expectConvForward(d, c, seed: 22)
    }

    /// Random small geometries beyond the fixed list: odd kernels 1/3/5, dilation 1–3, random masks.
    @Test(arguments: TestDevices.all)
    func conv2dRandomGeometries(_ d: TestDevice) throws {
        var rng = SeededRandom(seed: 27)
        for index in 0..<8 {
            let kernel = [1, 3, 5][rng.int(in: 0...2)]
            let c = ConvCase(
                batch: rng.int(in: 1...3), inChannels: rng.int(in: 1...9), outChannels: rng.int(in: 1...9),
                height: rng.int(in: 1...12), width: rng.int(in: 1...12), kernelH: kernel, kernelW: kernel,
                dilation: rng.int(in: 1...3), bias: rng.nextDouble() < 0.5, masked: rng.nextDouble() < 0.5)
            try expectConvForward(d, c, seed: 28 + UInt64(index))
        }
    }

    /// Output step t must not depend on inputs after t: changing every input after t0 leaves
    /// outputs 0...t0 bit-for-bit unchanged (and does change output t0 + 1, which sees input t0 + 1).
    @Test(arguments: TestDevices.all)
    func conv1dCausalIgnoresTheFuture(_ d: TestDevice) throws {
        let c = ConvCase(
            batch: 2, inChannels: 3, outChannels: 4, height: 1, width: 29, kernelH: 1, kernelW: 3, dilation: 2,
            bias: true, causal: true)
        let data = c.data(seed: 23)
        var rng = SeededRandom(seed: 24)
        for t0 in [0, 11, 27] {
            var changed = data.input
            for index in 0..<changed.count where index % c.width > t0 { changed[index] = rng.floats(1, in: 2...3)[0] }
            let before = try c.forward(on: d, input: data.input, weight: data.weight, bias: data.bias, mask: data.mask)
                .toArray()
            let after = try c.forward(on: d, input: changed, weight: data.weight, bias: data.bias, mask: data.mask)
                .toArray()
            let past = (0..<before.count).filter { $0 % c.width <= t0 }
            expectIdentical(past.map { after[$0] }, past.map { before[$0] }, "outputs up to t = \(t0)")
            let next = (0..<before.count).filter { $0 % c.width == t0 + 1 }
            #expect(next.contains { after[$0] != before[$0] }, "output t0 + 1 = \(t0 + 1) ignores input t0 + 1")
        }
    }

    /// A weight gradient must be written, not accumulated into: NaN already in the outputs must vanish.
    @Test(arguments: TestDevices.all)
    func conv2dBackwardWeightsOverwrites(_ d: TestDevice) throws {
        let c = ConvCase(batch: 2, inChannels: 3, outChannels: 5, height: 7, width: 9, kernelH: 3, kernelW: 3, bias: true)
        let data = c.data(seed: 25)
        var rng = SeededRandom(seed: 26)
        let gradOutput = rng.floats(c.outputCount)
        let gradWeight = try Tensor.full(c.weightShape, value: .nan, on: d.device)
        let gradBias = try Tensor.full([c.outChannels], value: .nan, on: d.device)
        for _ in 0..<2 {
            try d.device.conv2dBackwardWeights(
                c.geometry, input: d.tensor(data.input, c.inputShape).buffer,
                gradOutput: d.tensor(gradOutput, c.outputShape).buffer, gradWeight: gradWeight.buffer,
                gradBias: gradBias.buffer)
        }
        let expected = Reference.conv2dBackward(c.geometry, input: data.input, weight: data.weight, gradOutput: gradOutput)
        let magnitude = Reference.conv2dBackwardMagnitude(
            c.geometry, input: data.input, weight: data.weight, gradOutput: gradOutput)
        let terms = c.batch * c.height * c.width
        try expectClose(
            gradWeight, expected.weight, rtol: convRtol, atol: Tolerance.accumulated(terms: terms, magnitude: magnitude.weight),
            "∂W written twice into NaN")
        try expectClose(
            gradBias, expected.bias, rtol: convRtol, atol: Tolerance.accumulated(terms: terms, magnitude: magnitude.bias),
            "∂b written twice into NaN")
    }
}
