import FlowRuntime
import FlowTestSupport
import Testing

/// A convolution output sums `C·kh·kw` products plus the bias: the same float32 accumulation
/// bound as gemm (`Tolerance.accumulated`, 8·ε·√terms·Σ|terms|) and rtol 1e-6 for the final
/// rounding. A wrong tap, padding or dilation is off by a whole |term|.
private let convRtol = OpTolerance.convRtol

@Suite struct ConvTests {
    /// `ConvCases.forward` (the comparisons `flowkit check` reports too).
    @Test(arguments: TestDevices.all, ConvCases.forward)
    func conv2dMatchesReference(_ d: TestDevice, _ c: ConvCase) throws {
        expect([try c.runForward(on: d)], "\(c)")
    }

    /// `ConvCases.causal` (the comparisons `flowkit check` reports too).
    @Test(arguments: TestDevices.all, ConvCases.causal)
    func conv1dCausalMatchesReference(_ d: TestDevice, _ c: ConvCase) throws {
        expect([try c.runForward(on: d)], "\(c)")
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
                dilation: rng.int(in: 1...3), bias: rng.nextDouble() < 0.5, masked: rng.nextDouble() < 0.5,
                seed: 28 + UInt64(index))
            expect([try c.runForward(on: d)], "\(c)")
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
