import FlowLayers
import FlowRuntime

extension BijectorCases {
    /// Spline couplings and autoregressive splines: odd feature counts, both mask patterns, with
    /// and without a context. The bounds are small enough that some of the normal inputs fall in
    /// the identity tails.
    static let spline: [BijectorCase] = [
        BijectorCase(name: "SplineCoupling K=4 half", eventShape: [5]) { device, random in
            try SplineCoupling(
                mask: VectorMask(features: 5, pattern: .half(conditionOnFirst: true), on: device),
                conditioner: MLP(name: "net", sizes: [2, 8, 3 * 11], random: &random, on: device),
                options: SplineOptions(bins: 4, bound: 2))
        },
        BijectorCase(name: "SplineCoupling K=3 alternating with context", eventShape: [4], contextFeatures: 2) { device, random in
            try SplineCoupling(
                mask: VectorMask(features: 4, pattern: .alternating(conditionOnEven: false), on: device),
                conditioner: MLP(name: "net", sizes: [2, 8, 2 * 8], contextFeatures: 2, random: &random, on: device),
                options: SplineOptions(bins: 3, bound: 1.5))
        },
        BijectorCase(name: "SplineCoupling image K=3 ChannelMask ConvNet", eventShape: [2, 3, 2]) { device, random in
            try SplineCoupling(
                mask: ChannelMask(channels: 2, on: device), height: 3, width: 2,
                conditioner: convNet(inputs: 1, outputs: 8, hidden: 5, random: &random, on: device),
                options: SplineOptions(bins: 3, bound: 1.5), on: device)
        },
        // nsf with `affine`: each spline coupling behind an affine coupling on the same split (the
        // preset's whole chain, so the pairing and the parameter wiring are what is checked).
        BijectorCase(name: "NeuralSplineFlow affine K=3 chain", eventShape: [3]) { device, random in
            try NeuralSplineFlow(features: 3, layers: 2, hidden: 8, hiddenLayers: 1, bins: 3, tailBound: 1.5, affine: true)
                .makeFlow(random: &random, on: device).chain
        },
        // MADE-driven splines (nsf-ar's blocks), smooth activations as for MAF (`smoothAR`).
        BijectorCase(name: "AutoregressiveSpline K=4", eventShape: [5]) { device, random in
            try AutoregressiveSpline(
                made: MADE(
                    name: "made", features: 5, hidden: [9], outputsPerFeature: 11, outputLayout: .featureMajor, activation: smoothAR,
                    random: &random, on: device),
                options: SplineOptions(bins: 4, bound: 2))
        },
        BijectorCase(name: "AutoregressiveSpline K=3 random degrees with context", eventShape: [4], contextFeatures: 2) { device, random in
            try AutoregressiveSpline(
                made: MADE(
                    name: "made", features: 4, hidden: [7, 6], contextFeatures: 2, degrees: .random, outputsPerFeature: 8,
                    outputLayout: .featureMajor, activation: smoothAR, random: &random, on: device),
                options: SplineOptions(bins: 3, bound: 1.5))
        },
    ]
}
