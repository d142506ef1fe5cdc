import FlowRuntime
import FlowTestSupport
import Testing

/// Gradients of a convolution are float32 sums too: ∂input sums `O·kh·kw` terms, ∂weight and
/// ∂bias sum `B·H·W` terms; each gets `Tolerance.accumulated` for its term count plus rtol 1e-6.
private let convBackwardRtol = OpTolerance.convBackwardRtol

/// Tiny shapes for finite differences (every element of input, weight and bias is perturbed).
private let finiteDifferenceCases: [ConvCase] = [
    ConvCase(
        batch: 2, inChannels: 3, outChannels: 2, height: 4, width: 5, kernelH: 3, kernelW: 3, bias: true, masked: true),
    ConvCase(batch: 1, inChannels: 2, outChannels: 3, height: 5, width: 5, kernelH: 3, kernelW: 3, dilation: 2, bias: true),
    ConvCase(batch: 1, inChannels: 2, outChannels: 2, height: 3, width: 4, kernelH: 1, kernelW: 1, bias: true),
    ConvCase(batch: 1, inChannels: 2, outChannels: 2, height: 3, width: 3, kernelH: 5, kernelW: 5),
    ConvCase(
        batch: 2, inChannels: 2, outChannels: 3, height: 1, width: 7, kernelH: 1, kernelW: 2, dilation: 2, bias: true,
        causal: true),
]

/// Larger shapes compared with the Double reference backward.
private let referenceCases: [ConvCase] = [
    ConvCase(batch: 2, inChannels: 7, outChannels: 5, height: 9, width: 11, kernelH: 3, kernelW: 3, bias: true, masked: true),
    ConvCase(batch: 3, inChannels: 4, outChannels: 6, height: 7, width: 17, kernelH: 5, kernelW: 5, dilation: 2, bias: true),
    ConvCase(batch: 2, inChannels: 17, outChannels: 3, height: 1, width: 33, kernelH: 1, kernelW: 1),
    ConvCase(batch: 3, inChannels: 66, outChannels: 70, height: 9, width: 8, kernelH: 1, kernelW: 1, bias: true),
    ConvCase(batch: 2, inChannels: 16, outChannels: 16, height: 16, width: 16, kernelH: 3, kernelW: 3, bias: true),
    // Fewer output than input channels on small images: computed on the output side on the CPU.
    ConvCase(batch: 3, inChannels: 64, outChannels: 4, height: 4, width: 4, kernelH: 3, kernelW: 3, bias: true),
    ConvCase(batch: 2, inChannels: 32, outChannels: 8, height: 2, width: 2, kernelH: 3, kernelW: 3, bias: true, masked: true),
    ConvCase(batch: 2, inChannels: 9, outChannels: 4, height: 6, width: 5, kernelH: 3, kernelW: 5, dilation: 2, bias: true),
    ConvCase(
        batch: 3, inChannels: 5, outChannels: 7, height: 1, width: 33, kernelH: 1, kernelW: 3, dilation: 4, bias: true,
        causal: true),
]

@Suite struct ConvBackwardTests {
    @Test(arguments: TestDevices.all, finiteDifferenceCases)
    func conv2dBackwardMatchesFiniteDifferences(_ d: TestDevice, _ c: ConvCase) throws {
        let data = c.data(seed: 31)
        var rng = SeededRandom(seed: 32)
        let gradOutput = rng.floats(c.outputCount)
        let grads = try c.backward(on: d, input: data.input, weight: data.weight, mask: data.mask, gradOutput: gradOutput)
        let geometry = c.geometry
        // L = Σ gradOutput ⊙ conv(x, W ⊙ M) + b; the bias slot is empty (and unused) without a bias.
        let loss: ([[Double]]) -> Double = { p in
            Reference.dot(
                gradOutput,
                Reference.conv2d(
                    geometry, input: p[0], weight: Reference.multiply(p[1], data.mask), bias: c.bias ? p[2] : nil))
        }
        var tensors = [grads.input, grads.weight]
        if c.bias { tensors.append(try #require(grads.bias)) }
        #expect(grads.input.shape == c.inputShape && grads.weight.shape == c.weightShape)
        try expectGradients(
            tensors, matchFiniteDifferencesOf: loss, at: [data.input, data.weight, data.bias ?? []],
            names: ["input", "weight", "bias"], "\(c)")
    }

    @Test(arguments: TestDevices.all, referenceCases)
    func conv2dBackwardMatchesReference(_ d: TestDevice, _ c: ConvCase) throws {
        let data = c.data(seed: 33)
        var rng = SeededRandom(seed: 34)
        let gradOutput = rng.floats(c.outputCount)
        let grads = try c.backward(on: d, input: data.input, weight: data.weight, mask: data.mask, gradOutput: gradOutput)
        let weight = Reference.multiply(data.weight, data.mask)
        let expected = Reference.conv2dBackward(c.geometry, input: data.input, weight: weight, gradOutput: gradOutput)
        let magnitude = Reference.conv2dBackwardMagnitude(
            c.geometry, input: data.input, weight: weight, gradOutput: gradOutput)
        let perOutput = c.batch * c.height * c.width
        try expectClose(
            grads.input, expected.input, rtol: convBackwardRtol,
            atol: Tolerance.accumulated(terms: c.outChannels * c.kernelH * c.kernelW, magnitude: magnitude.input),
            "\(c) ∂input")
        try expectClose(
            grads.weight, Reference.multiply(expected.weight, data.mask), rtol: convBackwardRtol,
            atol: Tolerance.accumulated(terms: perOutput, magnitude: magnitude.weight), "\(c) ∂weight")
        if c.bias {
            try expectClose(
                try #require(grads.bias), expected.bias, rtol: convBackwardRtol,
                atol: Tolerance.accumulated(terms: perOutput, magnitude: magnitude.bias), "\(c) ∂bias")
        } else {
            #expect(grads.bias == nil)
        }
    }
}
