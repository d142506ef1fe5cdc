import FlowLayers
import FlowRuntime

/// A preset family at a size a short check can afford, with the shape of one example.
struct PresetCase: Sendable {
    let name: String
    let eventShape: [Int]
    let build: @Sendable (inout RandomStream, any Device) throws -> Flow

    var isImage: Bool { eventShape.count == 3 }

    /// One of each family `model.kind` offers; vectors are 2-D (the two moons), images 1×8×8 digits.
    static let all: [PresetCase] = [
        PresetCase(name: "realnvp", eventShape: [2]) { random, device in
            try RealNVP(features: 2, layers: 4, hidden: 32).makeFlow(random: &random, on: device)
        },
        PresetCase(name: "nice", eventShape: [2]) { random, device in
            try NICE(features: 2, couplings: 4, hidden: 32, hiddenLayers: 2).makeFlow(random: &random, on: device)
        },
        PresetCase(name: "maf", eventShape: [2]) { random, device in
            Flow(transforms: [try MAF(features: 2, blocks: 3, hidden: 32, random: &random, on: device)], base: StandardNormal(eventShape: [2]))
        },
        PresetCase(name: "iaf", eventShape: [2]) { random, device in
            Flow(transforms: [try IAF(features: 2, blocks: 3, hidden: 32, random: &random, on: device)], base: StandardNormal(eventShape: [2]))
        },
        PresetCase(name: "nsf", eventShape: [2]) { random, device in
            try NeuralSplineFlow(features: 2, layers: 4, hidden: 32, bins: 6, tailBound: 4).makeFlow(random: &random, on: device)
        },
        PresetCase(name: "nsf-ar", eventShape: [2]) { random, device in
            try AutoregressiveNeuralSplineFlow(features: 2, blocks: 3, hidden: 32, bins: 6, tailBound: 4).makeFlow(random: &random, on: device)
        },
        PresetCase(name: "glow", eventShape: [1, 8, 8]) { random, device in
            try Glow(imageShape: [1, 8, 8], levels: 2, steps: 2, hidden: 16).makeFlow(random: &random, on: device)
        },
        PresetCase(name: "flowpp", eventShape: [1, 8, 8]) { random, device in
            try FlowPlusPlus(imageShape: [1, 8, 8], levels: 2, steps: 2, hidden: 16, components: 3).makeFlow(random: &random, on: device)
        },
        PresetCase(name: "realnvp-image", eventShape: [1, 8, 8]) { random, device in
            try RealNVPImage(imageShape: [1, 8, 8], scales: 2, hidden: 16).makeFlow(random: &random, on: device)
        },
    ]
}
