import FlowCore

/// Convolution as im2col + one batched-as-wide gemm (`conv.cl`, `gemm.cl`), mirroring the CPU
/// backend's algorithm: the patch matrix is `[C·kh·kw, B·H·W]` and products are channel-major.
/// A pointwise (1×1, unpadded) convolution can skip both layout changes: per sample it is the
/// product of the `[out, in]` weight with the sample's `[in, H·W]` block, so the forward and the
/// data gradient are one batched gemm each, straight on NCHW (3 launches → 1 each way), on
/// images of at least `Tuning.pointwiseConvMinPixels` pixels.
extension KernelDevice {
    /// The batch becomes the launch's third grid dimension, which CUDA caps at 65,535 (the im2col
    /// path puts batch × pixels on the first, which is not).
    private func runsPointwise(_ g: ConvGeometry) -> Bool {
        g.isPointwise && g.pixels >= tuning.pointwiseConvMinPixels && g.batch <= 65_535
    }

    private func geometryArguments(_ g: ConvGeometry) -> [KernelArgument] {
        [
            .int(g.batch), .int(g.inChannels), .int(g.height), .int(g.width), .int(g.kernelH), .int(g.kernelW),
            .int(g.dilationH), .int(g.dilationW), .int(g.padTop), .int(g.padLeft),
        ]
    }

    private func im2col(_ g: ConvGeometry, _ input: any DeviceBuffer) throws -> any DeviceBuffer {
        let count = g.patchSize * g.batch * g.pixels
        let col = try makeBuffer(bytes: count * 4)
        try launchElementwise("conv", "conv_im2col", count: count, geometryArguments(g) + [.buffer(input), .buffer(col)])
        return col
    }

    private func toChannelMajor(_ g: ConvGeometry, _ nchw: any DeviceBuffer) throws -> any DeviceBuffer {
        let z = try makeBuffer(bytes: g.outputCount * 4)
        try launchElementwise(
            "conv", "conv_to_channel_major", count: g.outputCount,
            [.int(g.batch), .int(g.outChannels), .int(g.pixels), .buffer(nchw), .buffer(z)])
        return z
    }

    public func conv2d(
        _ g: ConvGeometry, input: any DeviceBuffer, weight: any DeviceBuffer, bias: (any DeviceBuffer)?,
        output: any DeviceBuffer
    ) throws {
        if runsPointwise(g) {
            let spec = GemmSpec(
                m: g.outChannels, n: g.pixels, k: g.inChannels, batch: g.batch, strideA: 0, strideB: g.inChannels * g.pixels,
                strideC: g.outChannels * g.pixels)
            return try launchGemm(spec, a: weight, b: input, c: output, bias: bias, biasPerRow: true)
        }
        let columns = g.batch * g.pixels
        let col = try im2col(g, input)
        let z = try makeBuffer(bytes: g.outputCount * 4)
        try gemm(GemmSpec(m: g.outChannels, n: columns, k: g.patchSize), a: weight, b: col, c: z, bias: nil)
        try launchElementwise(
            "conv", "conv_from_channel_major", count: g.outputCount,
            [.int(g.batch), .int(g.outChannels), .int(g.pixels), .buffer(z), .optionalBuffer(bias), .int(bias == nil ? 0 : 1), .buffer(output)])
    }

    public func conv2dBackwardData(
        _ g: ConvGeometry, gradOutput: any DeviceBuffer, weight: any DeviceBuffer, gradInput: any DeviceBuffer
    ) throws {
        if runsPointwise(g) {
            let spec = GemmSpec(
                m: g.inChannels, n: g.pixels, k: g.outChannels, transposeA: true, batch: g.batch, strideA: 0,
                strideB: g.outChannels * g.pixels, strideC: g.inChannels * g.pixels)
            return try gemm(spec, a: weight, b: gradOutput, c: gradInput, bias: nil)
        }
        let columns = g.batch * g.pixels
        let dz = try toChannelMajor(g, gradOutput)
        let dcol = try makeBuffer(bytes: g.patchSize * columns * 4)
        try gemm(GemmSpec(m: g.patchSize, n: columns, k: g.outChannels, transposeA: true), a: weight, b: dz, c: dcol, bias: nil)
        try launchElementwise("conv", "conv_col2im", count: g.inputCount, geometryArguments(g) + [.buffer(dcol), .buffer(gradInput)])
    }

    public func conv2dBackwardWeights(
        _ g: ConvGeometry, input: any DeviceBuffer, gradOutput: any DeviceBuffer, gradWeight: any DeviceBuffer,
        gradBias: (any DeviceBuffer)?
    ) throws {
        let columns = g.batch * g.pixels
        let col = try im2col(g, input)
        let dz = try toChannelMajor(g, gradOutput)
        try gemm(GemmSpec(m: g.outChannels, n: g.patchSize, k: columns, transposeB: true), a: dz, b: col, c: gradWeight, bias: nil)
        if let gradBias {
            try reduceSum(AxisView(outer: 1, mid: g.outChannels, inner: columns), squared: false, x: dz, out: gradBias)
        }
    }
}

extension ConvGeometry {
    /// A 1×1 kernel without padding: each output pixel mixes the channels of the same input pixel.
    var isPointwise: Bool { kernelH == 1 && kernelW == 1 && padTop == 0 && padLeft == 0 }
}
