import FlowLayers
import FlowRuntime

// UniformDequantization is not here: it draws new noise at every forward pass, so the brute-force
// Jacobian and finite-difference gradients (many forward passes at one point) do not apply, and
// its inverse returns the continuous v + u. PreprocessingTests covers it with the noise stream reset.
// PReLU has a kink at 0, where the five-point stencil (±0.02) would straddle it: the shapes are
// chosen so that no harness input (the first draws of seed 1234) lies within 0.05 of 0; a 2×4×4
// image would include draw 71 (−0.0064).
// None of these transforms uses a context, so there are no context-conditioned variants.
// The inputs are N(0, 1) draws: LogitTransform, whose domain is [0, 1], is tested with α = 0.45
// (p = 0.45 + 0.1·x stays in (0, 1) for |x| < 4.5) and behind a RangeScaling from [−8, 8)
// (into [0.25, 0.75) for |x| < 4).
extension BijectorCases {
    static let elementwise: [BijectorCase] = [
        BijectorCase(name: "PReLU vector", eventShape: [6]) { device, _ in try PReLU(channels: 6, on: device) },
        BijectorCase(name: "PReLU image", eventShape: [2, 3, 3]) { device, _ in try PReLU(channels: 2, on: device) },
        BijectorCase(name: "PReLU sequence", eventShape: [2, 8]) { device, _ in try PReLU(channels: 2, on: device) },
        BijectorCase(name: "LowRankAffine rank 2", eventShape: [5]) { device, random in
            try LowRankAffine(features: 5, rank: 2, random: &random, on: device)
        },
        BijectorCase(name: "PlanarFlow", eventShape: [6], invertible: false) { device, random in
            try PlanarFlow(features: 6, random: &random, on: device)
        },
        BijectorCase(name: "LogitTransform alpha 0.45", eventShape: [5]) { _, _ in try LogitTransform(alpha: 0.45) },
        BijectorCase(name: "RangeScaling then LogitTransform", eventShape: [2, 3]) { _, _ in
            Chain([try RangeScaling(low: -8, high: 8), try LogitTransform()])
        },
        BijectorCase(name: "RangeScaling image", eventShape: [2, 4, 4]) { _, _ in try RangeScaling(low: -2, high: 6) },
    ]
}
