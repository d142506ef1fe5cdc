import FlowLayers
import FlowRuntime

extension BijectorCases {
    static let image: [BijectorCase] = [
        BijectorCase(name: "AffineCoupling ChannelMask interleaved ConvNet (Glow)", eventShape: [4, 4, 4]) { device, random in
            try AffineCoupling(
                mask: ChannelMask(channels: 4, interleaved: true, on: device),
                conditioner: convNet(inputs: 2, outputs: 4, hidden: 6, random: &random, on: device),
                scale: .sigmoidShifted, order: .shiftThenScale, shiftFirst: true)
        },
        BijectorCase(name: "AffineCoupling ChannelMask flipped ConvNet with context", eventShape: [2, 4, 4], contextFeatures: 3) {
            device, random in
            try AffineCoupling(
                mask: ChannelMask(channels: 2, keepFirst: false, on: device),
                conditioner: convNet(inputs: 1, outputs: 2, hidden: 6, context: 3, random: &random, on: device))
        },
        BijectorCase(name: "AffineCoupling Checkerboard ConvNet", eventShape: [2, 4, 4]) { device, random in
            try AffineCoupling(
                mask: CheckerboardMask(channels: 2, height: 4, width: 4, on: device),
                conditioner: convNet(inputs: 2, outputs: 4, hidden: 6, random: &random, on: device))
        },
        BijectorCase(name: "AffineCoupling Checkerboard odd residual ConvNet with context", eventShape: [2, 4, 4], contextFeatures: 2) {
            device, random in
            try AffineCoupling(
                mask: CheckerboardMask(channels: 2, height: 4, width: 4, keepEven: false, on: device),
                conditioner: convNet(inputs: 2, outputs: 4, hidden: 4, context: 2, residualBlocks: 1, random: &random, on: device),
                scale: .sigmoidShifted, order: .shiftThenScale)
        },
        BijectorCase(name: "AdditiveCoupling Checkerboard ConvNet", eventShape: [2, 4, 4]) { device, random in
            try AdditiveCoupling(
                mask: CheckerboardMask(channels: 2, height: 4, width: 4, on: device),
                conditioner: convNet(inputs: 2, outputs: 2, hidden: 4, random: &random, on: device))
        },
        BijectorCase(name: "Squeeze", eventShape: [2, 4, 4]) { _, _ in Squeeze() },
        BijectorCase(name: "Squeeze unsqueeze", eventShape: [8, 2, 2]) { _, _ in Squeeze(unsqueeze: true) },
        BijectorCase(name: "LearnedPrior with context", eventShape: [4, 4, 4], contextFeatures: 2) { device, random in
            try LearnedPrior(
                mask: ChannelMask(channels: 4, interleaved: true, on: device),
                conditioner: convNet(inputs: 2, outputs: 4, hidden: 4, context: 2, random: &random, on: device))
        },
        BijectorCase(name: "MultiScale 2 levels", eventShape: [2, 4, 4]) { device, random in
            try smallMultiScale(learnedPrior: false, context: 0, random: &random, on: device)
        },
        // The prior's log σ is unbounded (as in Glow) and sums 3×3×C perturbed weights, so the
        // default perturbation makes σ span orders of magnitude and the NLL large enough that
        // float32 noise swamps the finite differences of the small level-2 gradients.
        BijectorCase(
            name: "MultiScale 2 levels learned prior with context", eventShape: [2, 4, 4], contextFeatures: 2, perturbation: 0.1
        ) { device, random in
            try smallMultiScale(learnedPrior: true, context: 2, random: &random, on: device)
        },
    ]

    /// The image conditioners use softplus instead of their default ReLU here: with hundreds of
    /// ReLU units per conv layer, some pre-activation crosses its kink inside the gradient test's
    /// five-point stencil (h = 1e-2) and the finite difference is off by a few percent while the
    /// backward pass is exact (it agrees with h ≤ 1e-3). A smooth activation also checks that
    /// every activation's backward gets the right input and output.
    static func convNet(
        name: String = "net", inputs: Int, outputs: Int, hidden: Int, context: Int = 0, residualBlocks: Int = 0,
        random: inout RandomStream, on device: any Device
    ) throws -> ConvNet {
        try ConvNet(
            name: name, inputChannels: inputs, outputChannels: outputs, hidden: hidden, contextFeatures: context,
            residualBlocks: residualBlocks, activation: .softplus, random: &random, on: device)
    }

    /// 2×4×4 → squeeze → [8, 2, 2], one coupling, 4 channels leave → squeeze → [16, 1, 1], one coupling.
    /// The learned prior is Glow's: a single zero-initialised 3×3 convolution (`hidden: 0`).
    static func smallMultiScale(learnedPrior: Bool, context: Int, random: inout RandomStream, on device: any Device) throws -> MultiScale {
        let shapes = try MultiScale.shapes(inputShape: [2, 4, 4], squeezes: [true, true])
        let levels = try shapes.enumerated().map { index, shape in
            let channels = shape.squeezed[0]
            let coupling = try AffineCoupling(
                name: "ms.level\(index).coupling", mask: ChannelMask(channels: channels, interleaved: true, on: device),
                conditioner: convNet(
                    name: "ms.level\(index).net", inputs: channels / 2, outputs: channels, hidden: 4, context: context,
                    random: &random, on: device),
                scale: .sigmoidShifted, order: .shiftThenScale, shiftFirst: true)
            let prior =
                learnedPrior && index == 0
                ? try LearnedPrior(
                    name: "ms.level\(index).prior", mask: ChannelMask(channels: channels, interleaved: true, on: device),
                    conditioner: convNet(
                        name: "ms.level\(index).prior.net", inputs: channels / 2, outputs: channels, hidden: 0, context: context,
                        random: &random, on: device))
                : nil
            return MultiScale.Level(steps: [coupling], prior: prior)
        }
        return try MultiScale(name: "ms", inputShape: [2, 4, 4], levels: levels)
    }
}
