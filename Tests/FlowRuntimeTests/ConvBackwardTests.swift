import FlowRuntime
import FlowTestSupport
import Testing

/// Gradients of a convolution are float32 sums too: ∂input sums `O·kh·kw` terms, ∂weight and
/// ∂bias sum `B·H·W` terms; each gets `Tolerance.accumulated` for its term count plus rtol 1e-6
/// (`OpTolerance.convBackwardRtol`, which `ConvCase.runBackward` compares with).

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

    /// `ConvCases.backward` against the Double reference backward (the comparisons `flowkit check` reports too).
    @Test(arguments: TestDevices.all, ConvCases.backward)
    func conv2dBackwardMatchesReference(_ d: TestDevice, _ c: ConvCase) throws {
        expect(try c.runBackward(on: d), "\(c)")
    }
}
