import FlowRuntime

/// A Flow++ image model (Ho et al. 2019, arXiv:1902.00275) on Glow's multi-scale layout: `levels`
/// levels, each a squeeze and `steps` steps
///
///     ActNorm → invertible 1×1 conv (LU) → logistic-mixture coupling
///
/// (data → noise order). The coupling conditions on channels `[0, C/2)` through a `ConvNet`
/// (3×3 → 1×1 → zero-initialised 3×3, as Glow's) whose `(3K + 2)·C_t` output channels hold, in
/// channel blocks, each transformed entry's `K` mixture logits, means and log-scales and its
/// affine `a`, `b`; at initialisation every coupling is the identity. All levels but the last
/// factor out half of their channels to the `N(0, I)` base.
///
/// What is Flow++ here and what is not: the logistic-mixture CDF couplings (§3.1) and the
/// variational dequantizer (§3.2, `dequantizer`, used when a config asks for it) are the paper's;
/// its conditioners (gated residual convolutions with multi-head self-attention, §3.3) and its
/// checkerboard couplings are not — the conditioners are Glow's, so a comparison with Glow at the
/// same steps isolates the coupling and the dequantization.
public struct FlowPlusPlus: Sendable, Equatable {
    public var imageShape: [Int]
    public var levels: Int
    public var steps: Int
    public var hidden: Int
    /// Logistic components `K` of every coupling.
    public var components: Int

    public init(imageShape: [Int], levels: Int, steps: Int, hidden: Int = 64, components: Int = 4) {
        self.imageShape = imageShape
        self.levels = levels
        self.steps = steps
        self.hidden = hidden
        self.components = components
    }

    /// Parameter names: `flowpp.level0.step1.actnorm.loc`, `flowpp.level1.step0.coupling.net.conv2.weight`.
    public func makeFlow(name: String = "flowpp", random: inout RandomStream, on device: any Device) throws -> Flow {
        guard levels >= 1, steps >= 1, hidden >= 1, components >= 1 else {
            throw FlowError.invalidArgument(
                op: "FlowPlusPlus", detail: "levels \(levels), steps \(steps), hidden \(hidden), components \(components): need positive sizes")
        }
        let shapes = try MultiScale.shapes(inputShape: imageShape, squeezes: Array(repeating: true, count: levels))
        var levelList: [MultiScale.Level] = []
        for (index, shape) in shapes.enumerated() {
            let transforms = try Self.steps(
                prefix: "\(name).level\(index)", shape: shape.squeezed, steps: steps, hidden: hidden, contextChannels: 0,
                components: components, random: &random, on: device)
            levelList.append(MultiScale.Level(steps: transforms))
        }
        let multiScale = try MultiScale(name: name, inputShape: imageShape, levels: levelList)
        return Flow(transforms: [multiScale], base: StandardNormal(eventShape: [imageShape.reduce(1, *)]))
    }

    /// Flow++'s variational dequantizer for images of `imageShape` with `levels` intensity levels:
    /// `steps` mixture-coupling steps on the 2×2-squeezed noise, every conditioner also reading the
    /// squeezed image as context channels. Names: `dequantize.flow.step0.coupling.net.conv0.weight`.
    /// `activation` is the conditioners' (ReLU as Glow's; the gradient tests use softplus).
    public static func dequantizer(
        name: String = "dequantize", imageShape: [Int], levels: Int, offset: Float, steps: Int, hidden: Int, components: Int,
        activation: UnaryOp = .relu, noise: RandomStream, random: inout RandomStream, on device: any Device
    ) throws -> VariationalDequantization {
        guard imageShape.count == 3, imageShape[1] % 2 == 0, imageShape[2] % 2 == 0, steps >= 1, hidden >= 1, components >= 1 else {
            throw FlowError.invalidArgument(
                op: "FlowPlusPlus.dequantizer",
                detail: "image \(imageShape), steps \(steps), hidden \(hidden), components \(components): need [C, H, W] with even H and W and positive sizes")
        }
        let squeezed = [4 * imageShape[0], imageShape[1] / 2, imageShape[2] / 2]
        let transforms = try Self.steps(
            prefix: "\(name).flow", shape: squeezed, steps: steps, hidden: hidden, contextChannels: squeezed[0],
            components: components, activation: activation, random: &random, on: device)
        return try VariationalDequantization(
            name: name, levels: levels, offset: offset, flow: Chain(transforms, name: "\(name).flow"), noise: noise)
    }

    /// `steps` × (ActNorm → 1×1 conv → mixture coupling) on `[C, H, W]` images.
    static func steps(
        prefix: String, shape: [Int], steps: Int, hidden: Int, contextChannels: Int, components: Int, activation: UnaryOp = .relu,
        random: inout RandomStream, on device: any Device
    ) throws -> [any Bijector] {
        let (channels, height, width) = (shape[0], shape[1], shape[2])
        let options = LogisticMixtureOptions(components: components)
        var transforms: [any Bijector] = []
        for step in 0..<steps {
            let stepName = "\(prefix).step\(step)"
            let mask = try ChannelMask(channels: channels, on: device)
            transforms.append(try ActNorm(name: "\(stepName).actnorm", channels: channels, on: device))
            transforms.append(try InvertibleConv1x1LU(name: "\(stepName).conv1x1", channels: channels, random: &random, on: device))
            transforms.append(
                try LogisticMixtureCoupling(
                    name: "\(stepName).coupling", mask: mask, height: height, width: width,
                    conditioner: ConvNet(
                        name: "\(stepName).coupling.net", inputChannels: mask.keptChannels,
                        outputChannels: options.parametersPerElement * mask.transformedChannels, hidden: hidden,
                        contextFeatures: contextChannels, activation: activation, random: &random, on: device),
                    options: options, on: device))
        }
        return transforms
    }
}
