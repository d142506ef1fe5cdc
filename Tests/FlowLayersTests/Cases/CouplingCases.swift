import FlowLayers
import FlowRuntime

extension BijectorCases {
    static let coupling: [BijectorCase] = [
        BijectorCase(name: "AffineCoupling expTanh half", eventShape: [5]) { device, random in
            try AffineCoupling(
                mask: VectorMask(features: 5, pattern: .half(conditionOnFirst: true), on: device),
                conditioner: MLP(name: "net", sizes: [2, 8, 6], random: &random, on: device))
        },
        BijectorCase(name: "AffineCoupling sigmoid Glow-order alternating", eventShape: [6]) { device, random in
            try AffineCoupling(
                mask: VectorMask(features: 6, pattern: .alternating(conditionOnEven: false), on: device),
                conditioner: MLP(name: "net", sizes: [3, 8, 6], random: &random, on: device),
                scale: .sigmoidShifted, order: .shiftThenScale, shiftFirst: true)
        },
        BijectorCase(name: "AffineCoupling with context", eventShape: [4], contextFeatures: 3) { device, random in
            try AffineCoupling(
                mask: VectorMask(features: 4, pattern: .half(conditionOnFirst: false), on: device),
                conditioner: MLP(name: "net", sizes: [2, 8, 4], contextFeatures: 3, random: &random, on: device))
        },
        BijectorCase(name: "AdditiveCoupling", eventShape: [5], contextFeatures: 2) { device, random in
            try AdditiveCoupling(
                mask: VectorMask(features: 5, pattern: .alternating(conditionOnEven: true), on: device),
                conditioner: MLP(name: "net", sizes: [3, 8, 2], contextFeatures: 2, random: &random, on: device))
        },
        BijectorCase(name: "DiagonalScaling", eventShape: [7]) { device, _ in
            try DiagonalScaling(features: 7, on: device)
        },
    ]
}

extension BijectorCases {
    /// Fixed transforms owned by the core (no parameters: only inverse and log-det are at stake).
    static let fixed: [BijectorCase] = [
        BijectorCase(name: "Standardize", eventShape: [3]) { device, _ in
            try Standardize(mean: [1, -2, 0.5], std: [2, 0.5, 3], on: device)
        }
    ]
}
