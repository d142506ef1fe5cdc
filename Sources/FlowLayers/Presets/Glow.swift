import FlowRuntime

/// Glow (Kingma & Dhariwal 2018, arXiv:1807.03039) with the paper's architecture: a multi-scale
/// flow of `levels` levels, each a squeeze and `steps` steps
///
///     ActNorm → invertible 1×1 conv (LU) → affine coupling
///
/// (data → noise order), the coupling conditioning on channels `[0, C/2)` through a `ConvNet`
/// (3×3 → 1×1 → zero-initialised 3×3) whose output is read interleaved (`t = h[:, 0::2]`,
/// `ŝ = h[:, 1::2]`), with `y_b = (x_b − t) ⊙ sigmoid(ŝ + 2)`. All levels but the last factor out
/// half of their channels, under Glow's learned prior or (`learnedPrior: false`) plain `N(0, I)`.
/// The flow's base is `N(0, I)` over the `C·H·W` latent entries.
public struct Glow: Sendable, Equatable {
    public var imageShape: [Int]
    public var levels: Int
    public var steps: Int
    public var hidden: Int
    public var learnedPrior: Bool
    /// Hidden channels of the learned prior's `ConvNet`; 0 (Glow's choice) makes it a single
    /// zero-initialised 3×3 convolution of the kept half.
    public var priorHidden: Int
    /// Context features fed to every coupling's and prior's conditioner as constant channels.
    public var contextFeatures: Int
    /// How each level's chain of steps gets its inputs back in the backward pass.
    public var backwardMode: BackwardMode

    public init(
        imageShape: [Int], levels: Int, steps: Int, hidden: Int = 512, learnedPrior: Bool = true, priorHidden: Int = 0,
        contextFeatures: Int = 0, backwardMode: BackwardMode = .storeActivations
    ) {
        self.imageShape = imageShape
        self.levels = levels
        self.steps = steps
        self.hidden = hidden
        self.learnedPrior = learnedPrior
        self.priorHidden = priorHidden
        self.contextFeatures = contextFeatures
        self.backwardMode = backwardMode
    }

    /// Parameter names are dotted paths: `glow.level0.step1.actnorm.loc`,
    /// `glow.level0.step1.coupling.net.conv0.weight`, `glow.level0.prior.net.conv2.bias`.
    public func makeFlow(name: String = "glow", random: inout RandomStream, on device: any Device) throws -> Flow {
        guard levels >= 1, steps >= 1, hidden >= 1, priorHidden >= 0 else {
            throw FlowError.invalidArgument(
                op: "Glow", detail: "levels \(levels), steps \(steps), hidden \(hidden), prior hidden \(priorHidden): need positive sizes")
        }
        let shapes = try MultiScale.shapes(inputShape: imageShape, squeezes: Array(repeating: true, count: levels))
        var levelList: [MultiScale.Level] = []
        for (index, shape) in shapes.enumerated() {
            let channels = shape.squeezed[0]
            var transforms: [any Bijector] = []
            for step in 0..<steps {
                let prefix = "\(name).level\(index).step\(step)"
                transforms.append(try ActNorm(name: "\(prefix).actnorm", channels: channels, on: device))
                transforms.append(try InvertibleConv1x1LU(name: "\(prefix).conv1x1", channels: channels, random: &random, on: device))
                transforms.append(
                    try AffineCoupling(
                        name: "\(prefix).coupling", mask: ChannelMask(channels: channels, interleaved: true, on: device),
                        conditioner: ConvNet(
                            name: "\(prefix).coupling.net", inputChannels: channels / 2, outputChannels: 2 * (channels - channels / 2),
                            hidden: hidden, contextFeatures: contextFeatures, random: &random, on: device),
                        scale: .sigmoidShifted, order: .shiftThenScale, shiftFirst: true))
            }
            var prior: (any Bijector)?
            if learnedPrior, index < shapes.count - 1 {
                prior = try LearnedPrior(
                    name: "\(name).level\(index).prior", mask: ChannelMask(channels: channels, interleaved: true, on: device),
                    conditioner: ConvNet(
                        name: "\(name).level\(index).prior.net", inputChannels: channels / 2,
                        outputChannels: 2 * (channels - channels / 2), hidden: priorHidden, contextFeatures: contextFeatures,
                        random: &random, on: device))
            }
            levelList.append(MultiScale.Level(steps: transforms, prior: prior))
        }
        let multiScale = try MultiScale(name: name, inputShape: imageShape, levels: levelList, backwardMode: backwardMode)
        return Flow(transforms: [multiScale], base: StandardNormal(eventShape: [imageShape.reduce(1, *)]))
    }
}
