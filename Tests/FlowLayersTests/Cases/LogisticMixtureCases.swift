import FlowLayers
import FlowRuntime

extension BijectorCases {
    /// Flow++ logistic-mixture couplings: odd feature counts, both mask patterns, K = 1 and 4,
    /// with and without a context.
    static let mixture: [BijectorCase] = [
        BijectorCase(name: "LogisticMixtureCoupling K=4 half", eventShape: [5]) { device, random in
            // 3 transformed features × (3·4 + 2) parameters.
            try LogisticMixtureCoupling(
                mask: VectorMask(features: 5, pattern: .half(conditionOnFirst: true), on: device),
                conditioner: MLP(name: "net", sizes: [2, 8, 3 * 14], random: &random, on: device),
                options: LogisticMixtureOptions(components: 4))
        },
        BijectorCase(name: "LogisticMixtureCoupling K=1 alternating with context", eventShape: [4], contextFeatures: 2) {
            device, random in
            // 2 transformed features × (3·1 + 2) parameters.
            try LogisticMixtureCoupling(
                mask: VectorMask(features: 4, pattern: .alternating(conditionOnEven: false), on: device),
                conditioner: MLP(name: "net", sizes: [2, 8, 2 * 5], contextFeatures: 2, random: &random, on: device),
                options: LogisticMixtureOptions(components: 1))
        },
        // Image couplings (Flow++'s): the parameters come in channel blocks and are transposed to
        // element by element; H ≠ W and odd channel counts catch a wrong transpose.
        BijectorCase(name: "LogisticMixtureCoupling image K=3 ChannelMask ConvNet", eventShape: [4, 2, 3]) { device, random in
            let mask = try ChannelMask(channels: 4, on: device)
            return try LogisticMixtureCoupling(
                mask: mask, height: 2, width: 3, conditioner: convNet(inputs: 2, outputs: 2 * 11, hidden: 5, random: &random, on: device),
                options: LogisticMixtureOptions(components: 3), on: device)
        },
        // The variational dequantizer's coupling: 3 channels (1 transformed), a context image.
        BijectorCase(name: "LogisticMixtureCoupling image K=2 flipped with a context image", eventShape: [3, 2, 2], contextImage: [2, 2, 2]) {
            device, random in
            try LogisticMixtureCoupling(
                mask: ChannelMask(channels: 3, keepFirst: false, on: device), height: 2, width: 2,
                conditioner: convNet(inputs: 2, outputs: 8, hidden: 4, context: 2, random: &random, on: device),
                options: LogisticMixtureOptions(components: 2), on: device)
        },
        BijectorCase(name: "Flow++ step chain with a context image", eventShape: [4, 1, 2], contextImage: [4, 1, 2]) { device, random in
            try Chain([
                ActNorm(name: "actnorm", channels: 4, on: device),
                InvertibleConv1x1LU(name: "conv1x1", channels: 4, random: &random, on: device),
                LogisticMixtureCoupling(
                    name: "coupling", mask: ChannelMask(channels: 4, on: device), height: 1, width: 2,
                    conditioner: convNet(inputs: 2, outputs: 2 * 8, hidden: 4, context: 4, random: &random, on: device),
                    options: LogisticMixtureOptions(components: 2), on: device),
            ])
        },
    ]
}
