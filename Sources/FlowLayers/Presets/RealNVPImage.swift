import FlowRuntime

/// RealNVP's multi-scale image model (Dinh et al. 2017, arXiv:1605.08803, §3.6, §4.1): each of
/// the first `scales − 1` scales runs, in data → noise order,
///
///     3 checkerboard couplings (alternating parity) → squeeze → 3 channel couplings
///       (alternating halves) → factor out half the channels (N(0, I))
///
/// and the last scale runs 4 checkerboard couplings. Every coupling is affine,
/// `y_b = x_b ⊙ exp(tanh ŝ) + t` with `(ŝ, t)` from a `ConvNet` (optionally with residual blocks,
/// the paper's ResNet conditioner), which sees the masked image (checkerboard) or the kept
/// channels. The paper's batch normalisation is left out; the base is `N(0, I)` over `C·H·W`.
public struct RealNVPImage: Sendable, Equatable {
    public var imageShape: [Int]
    public var scales: Int
    public var hidden: Int
    public var residualBlocks: Int
    public var contextFeatures: Int

    public init(imageShape: [Int], scales: Int, hidden: Int = 64, residualBlocks: Int = 0, contextFeatures: Int = 0) {
        self.imageShape = imageShape
        self.scales = scales
        self.hidden = hidden
        self.residualBlocks = residualBlocks
        self.contextFeatures = contextFeatures
    }

    /// Parameter names: `realnvp.level0.checkerboard1.net.conv0.weight`, `realnvp.level0.channel2.net.conv2.bias`.
    public func makeFlow(name: String = "realnvp", random: inout RandomStream, on device: any Device) throws -> Flow {
        guard scales >= 1, hidden >= 1 else {
            throw FlowError.invalidArgument(op: "RealNVPImage", detail: "scales \(scales), hidden \(hidden): both must be positive")
        }
        let squeezes = (0..<scales).map { $0 < scales - 1 }
        let shapes = try MultiScale.shapes(inputShape: imageShape, squeezes: squeezes)
        var levels: [MultiScale.Level] = []
        for (index, shape) in shapes.enumerated() {
            let last = index == shapes.count - 1
            let (c, h, w) = (shape.input[0], shape.input[1], shape.input[2])
            let checkerboards = try (0..<(last ? 4 : 3)).map { k -> any Bijector in
                let prefix = "\(name).level\(index).checkerboard\(k)"
                return try AffineCoupling(
                    name: prefix, mask: CheckerboardMask(channels: c, height: h, width: w, keepEven: k % 2 == 0, on: device),
                    conditioner: ConvNet(
                        name: "\(prefix).net", inputChannels: c, outputChannels: 2 * c, hidden: hidden,
                        contextFeatures: contextFeatures, residualBlocks: residualBlocks, random: &random, on: device))
            }
            let channels = shape.squeezed[0]
            let channelCouplings =
                last
                ? []
                : try (0..<3).map { k -> any Bijector in
                    let prefix = "\(name).level\(index).channel\(k)"
                    let mask = try ChannelMask(channels: channels, keepFirst: k % 2 == 0, on: device)
                    return try AffineCoupling(
                        name: prefix, mask: mask,
                        conditioner: ConvNet(
                            name: "\(prefix).net", inputChannels: mask.keptChannels, outputChannels: 2 * mask.transformedChannels,
                            hidden: hidden, contextFeatures: contextFeatures, residualBlocks: residualBlocks, random: &random, on: device))
                }
            levels.append(MultiScale.Level(beforeSqueeze: checkerboards, squeeze: !last, steps: channelCouplings))
        }
        let multiScale = try MultiScale(name: name, inputShape: imageShape, levels: levels)
        return Flow(transforms: [multiScale], base: StandardNormal(eventShape: [imageShape.reduce(1, *)]))
    }
}
