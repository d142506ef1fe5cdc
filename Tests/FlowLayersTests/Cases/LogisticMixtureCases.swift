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
    ]
}
