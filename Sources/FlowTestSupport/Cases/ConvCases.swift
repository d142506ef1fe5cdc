/// The convolution op cases ConvTests, ConvBackwardTests and `flowkit check` run (`ConvCase`).
public enum ConvCases {
    /// Small 2-D shapes (the Double reference is a direct 7-deep loop) with awkward sizes: 1×1,
    /// 3×3, 5×5, non-square kernels, dilation 2, masks, images smaller than the kernel's reach.
    public static let forward: [ConvCase] = [
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
    ].map { with($0, seed: 21) }

    /// WaveNet's causal 1-D convolutions.
    public static let causal: [ConvCase] = [
        ConvCase(batch: 1, inChannels: 1, outChannels: 1, height: 1, width: 1, kernelH: 1, kernelW: 2, causal: true),
        ConvCase(batch: 2, inChannels: 3, outChannels: 5, height: 1, width: 7, kernelH: 1, kernelW: 2, bias: true, causal: true),
        ConvCase(
            batch: 3, inChannels: 4, outChannels: 7, height: 1, width: 33, kernelH: 1, kernelW: 3, dilation: 2, bias: true,
            causal: true),
        ConvCase(
            batch: 2, inChannels: 17, outChannels: 3, height: 1, width: 100, kernelH: 1, kernelW: 2, dilation: 4,
            causal: true),
    ].map { with($0, seed: 22) }

    /// Shapes for the backward against the Double reference backward: the tests' (seeds 33 and 34)
    /// and, with their own seeds, the forward shapes `flowkit check` ran backward before the registry.
    public static let backward: [ConvCase] =
        [
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
        ].map { with($0, seed: 33, gradientSeed: 34) }
        + [
            ConvCase(batch: 2, inChannels: 3, outChannels: 5, height: 7, width: 17, kernelH: 1, kernelW: 1),
            ConvCase(batch: 3, inChannels: 33, outChannels: 17, height: 1, width: 1, kernelH: 1, kernelW: 1, bias: true),
            ConvCase(batch: 1, inChannels: 7, outChannels: 3, height: 17, width: 7, kernelH: 3, kernelW: 3, bias: true),
            ConvCase(batch: 2, inChannels: 4, outChannels: 4, height: 5, width: 9, kernelH: 3, kernelW: 3, masked: true),
            ConvCase(batch: 2, inChannels: 3, outChannels: 7, height: 9, width: 6, kernelH: 5, kernelW: 5, bias: true),
            ConvCase(batch: 1, inChannels: 5, outChannels: 6, height: 11, width: 13, kernelH: 3, kernelW: 3, dilation: 2),
            ConvCase(batch: 2, inChannels: 16, outChannels: 33, height: 16, width: 16, kernelH: 3, kernelW: 3, bias: true),
            ConvCase(batch: 3, inChannels: 64, outChannels: 4, height: 4, width: 4, kernelH: 3, kernelW: 3, bias: true),
            ConvCase(batch: 2, inChannels: 9, outChannels: 4, height: 6, width: 5, kernelH: 3, kernelW: 5, dilation: 2, bias: true),
            ConvCase(batch: 1, inChannels: 1, outChannels: 1, height: 1, width: 1, kernelH: 1, kernelW: 2, causal: true),
            ConvCase(
                batch: 3, inChannels: 4, outChannels: 7, height: 1, width: 33, kernelH: 1, kernelW: 3, dilation: 2, bias: true,
                causal: true),
            ConvCase(
                batch: 2, inChannels: 17, outChannels: 3, height: 1, width: 100, kernelH: 1, kernelW: 2, dilation: 4,
                causal: true),
        ].enumerated().map { index, c in with(c, seed: UInt64(41 + index), gradientSeed: UInt64(141 + index)) }

    private static func with(_ c: ConvCase, seed: UInt64, gradientSeed: UInt64 = 0) -> ConvCase {
        var c = c
        (c.seed, c.gradientSeed) = (seed, gradientSeed)
        return c
    }
}
