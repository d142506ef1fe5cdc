/// Geometry of a stride-1 2-D convolution in NCHW layout whose output has the input's height and
/// width. Padding is given explicitly so the same op covers "same" padding (`pad = dilation·(k−1)/2`
/// on both sides) and causal padding (`pad = dilation·(k−1)` on the left only, WaveNet's 1-D causal
/// convolution when `height == 1`).
///
/// `out[b, o, y, x] = bias[o] + Σ_{c, i, j} w[o, c, i, j] · in[b, c, y + i·dilationH − padTop, x + j·dilationW − padLeft]`
/// with out-of-range input positions read as zero. Weights are `[outChannels, inChannels, kernelH, kernelW]`.
public struct ConvGeometry: Sendable, Equatable, CustomStringConvertible {
    public var batch: Int
    public var inChannels: Int
    public var outChannels: Int
    public var height: Int
    public var width: Int
    public var kernelH: Int
    public var kernelW: Int
    public var dilationH: Int
    public var dilationW: Int
    public var padTop: Int
    public var padLeft: Int

    public init(
        batch: Int, inChannels: Int, outChannels: Int, height: Int, width: Int,
        kernelH: Int, kernelW: Int, dilationH: Int = 1, dilationW: Int = 1,
        padTop: Int, padLeft: Int
    ) {
        self.batch = batch
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.height = height
        self.width = width
        self.kernelH = kernelH
        self.kernelW = kernelW
        self.dilationH = dilationH
        self.dilationW = dilationW
        self.padTop = padTop
        self.padLeft = padLeft
    }

    /// "Same" padding for odd kernels: the output pixel sits over the kernel's centre tap.
    public static func same(
        batch: Int, inChannels: Int, outChannels: Int, height: Int, width: Int,
        kernel: Int, dilation: Int = 1
    ) -> ConvGeometry {
        ConvGeometry(
            batch: batch, inChannels: inChannels, outChannels: outChannels, height: height, width: width,
            kernelH: kernel, kernelW: kernel, dilationH: dilation, dilationW: dilation,
            padTop: dilation * (kernel - 1) / 2, padLeft: dilation * (kernel - 1) / 2)
    }

    /// WaveNet's causal 1-D convolution over `[batch, channels, length]`: output step `t` sees
    /// inputs `t, t − d, …, t − d·(k−1)` only.
    public static func causal1D(batch: Int, inChannels: Int, outChannels: Int, length: Int, kernel: Int, dilation: Int)
        -> ConvGeometry
    {
        ConvGeometry(
            batch: batch, inChannels: inChannels, outChannels: outChannels, height: 1, width: length,
            kernelH: 1, kernelW: kernel, dilationH: 1, dilationW: dilation,
            padTop: 0, padLeft: dilation * (kernel - 1))
    }

    @inlinable package var pixels: Int { height * width }
    @inlinable package var taps: Int { kernelH * kernelW }
    /// Rows of the im2col matrix: one per (input channel, kernel tap).
    @inlinable package var patchSize: Int { inChannels * taps }
    @inlinable package var inputCount: Int { batch * inChannels * pixels }
    @inlinable package var outputCount: Int { batch * outChannels * pixels }
    var weightCount: Int { outChannels * patchSize }
    public var flops: Double { 2 * Double(outputCount) * Double(patchSize) }

    public var description: String {
        "[\(batch), \(inChannels), \(height), \(width)] → \(outChannels) channels, kernel \(kernelH)×\(kernelW), "
            + "dilation \(dilationH)×\(dilationW), pad top \(padTop) left \(padLeft)"
    }
}
