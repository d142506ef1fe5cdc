import FlowLayers
import FlowRuntime

extension BijectorCases {
    /// The conditioners use softplus instead of their default ReLU here, as the image cases do:
    /// the gradient test's five-point stencil (h = 1e-2 along a unit direction) lets some ReLU
    /// pre-activation cross its kink, and the finite difference then misses by a few per cent
    /// although the backward is exact (it agrees with h ≤ 1e-3). `AutoregressiveTests` covers the
    /// ReLU presets themselves.
    static let smoothAR = UnaryOp.softplus

    static let autoregressive: [BijectorCase] = [
        BijectorCase(name: "MAF 2 blocks", eventShape: [5]) { device, random in
            try MAF(features: 5, blocks: 2, hidden: 8, activation: smoothAR, random: &random, on: device)
        },
        BijectorCase(name: "MAF bounded log-scale", eventShape: [4], perturbation: 1.5) { device, random in
            try MAF(features: 4, blocks: 2, hidden: 8, activation: smoothAR, logScaleBound: .tanh(0.7), random: &random, on: device)
        },
        BijectorCase(name: "IAF bounded log-scale with context", eventShape: [4], contextFeatures: 2, perturbation: 0.5) { device, random in
            try IAF(
                features: 4, blocks: 2, hidden: 8, contextFeatures: 2, activation: smoothAR, logScaleBound: .tanh(0.7), random: &random,
                on: device)
        },
        BijectorCase(name: "MAF random degrees with context", eventShape: [4], contextFeatures: 2) { device, random in
            try MAF(features: 4, blocks: 2, hidden: 7, contextFeatures: 2, degrees: .random, activation: smoothAR, random: &random, on: device)
        },
        BijectorCase(name: "IAF 2 blocks", eventShape: [5]) { device, random in
            try IAF(features: 5, blocks: 2, hidden: 8, activation: smoothAR, random: &random, on: device)
        },
        BijectorCase(name: "IAF with context", eventShape: [6], contextFeatures: 3) { device, random in
            try IAF(features: 6, blocks: 1, hidden: 9, hiddenLayers: 1, contextFeatures: 3, activation: smoothAR, random: &random, on: device)
        },
        BijectorCase(name: "MAF PixelCNN", eventShape: [2, 3, 3]) { device, random in
            try AutoregressiveAffine(
                conditioner: PixelCNN(name: "pixelcnn", channels: 2, hidden: 4, activation: smoothAR, random: &random, on: device))
        },
        BijectorCase(name: "IAF PixelCNN with context", eventShape: [2, 3, 3], contextFeatures: 2) { device, random in
            try AutoregressiveAffine(
                conditioner: PixelCNN(
                    name: "pixelcnn", channels: 2, hidden: 4, contextFeatures: 2, activation: smoothAR, random: &random, on: device),
                direction: .inverse)
        },
        BijectorCase(name: "MAF WaveNet", eventShape: [2, 5]) { device, random in
            try AutoregressiveAffine(
                conditioner: WaveNet(name: "wavenet", channels: 2, hidden: 4, layers: 2, activation: smoothAR, random: &random, on: device))
        },
        BijectorCase(name: "IAF WaveNet with context", eventShape: [2, 5], contextFeatures: 2) { device, random in
            try AutoregressiveAffine(
                conditioner: WaveNet(
                    name: "wavenet", channels: 2, hidden: 4, layers: 2, contextFeatures: 2, activation: smoothAR, random: &random, on: device),
                direction: .inverse)
        },
    ]
}
