import FlowLayers
import FlowRuntime
import FlowTraining
import Foundation

/// The benchmark workloads W1–W5 of `bench/WORKLOADS.md`: the model exactly as specified and a
/// pre-generated pool of 64 batches, so data generation is never timed.
package enum Workload: String, CaseIterable, Sendable {
    case w1 = "W1"
    case w2 = "W2"
    case w3 = "W3"
    case w4 = "W4"
    case w5 = "W5"

    /// Accepts "W1" or the workload's name ("realnvp-2d", "maf-d16", "maf-d64", "glow-digits8", "nsf-d16").
    package init?(name: String) {
        let lowered = name.lowercased()
        guard let match = Workload.allCases.first(where: { $0.rawValue.lowercased() == lowered || $0.title == lowered }) else { return nil }
        self = match
    }

    package var title: String {
        switch self {
        case .w1: "realnvp-2d"
        case .w2: "maf-d16"
        case .w3: "maf-d64"
        case .w4: "glow-digits8"
        case .w5: "nsf-d16"
        }
    }

    package var batchSize: Int {
        switch self {
        case .w1: 512
        case .w2, .w3, .w5: 256
        case .w4: 64
        }
    }

    package var eventShape: [Int] {
        switch self {
        case .w1: [2]
        case .w2, .w5: [16]
        case .w3: [64]
        case .w4: [1, 8, 8]
        }
    }

    /// The model (PyTorch-default initialisation, zero-initialised last layers).
    package func makeFlow(seed: UInt64, on device: any Device) throws -> Flow {
        var random = RandomStream(seed: seed).derived(1)
        switch self {
        case .w1:
            // 8 layers of MLP 1 → 128 → 128 → 2 (136,208 parameters).
            return try RealNVP(features: 2, layers: 8, hidden: 128).makeFlow(random: &random, on: device)
        case .w2, .w3:
            let features = self == .w2 ? 16 : 64
            let maf = try MAF(features: features, blocks: 5, hidden: self == .w2 ? 256 : 512, random: &random, on: device)
            return Flow(transforms: [maf], base: StandardNormal(eventShape: [features]))
        case .w4:
            // 1×8×8 digits, 2 levels of 4 steps, hidden 64, plain N(0, I) splits (75,728 free parameters).
            return try Glow(imageShape: [1, 8, 8], levels: 2, steps: 4, hidden: 64, learnedPrior: false)
                .makeFlow(random: &random, on: device)
        case .w5:
            // `model.kind: "nsf"`'s defaults (4 couplings, MLP 8 → 128 → 128 → 184, K = 8, B = 5) on
            // 16 features (165,600 parameters).
            return try NeuralSplineFlow(features: 16, layers: 4, hidden: 128).makeFlow(random: &random, on: device)
        }
    }

    /// 64 batches of data, generated once: W1 the banana ("jang"); W2/W3/W5 x = L·ε with
    /// L_ij = 0.5^(i−j) (W5 draws exactly W2's batches, so the spline flow and the MAF see the
    /// same data); W4 dequantized digits x = (v + u)/17 − 0.5.
    package func pool(seed: UInt64, batches: Int = 64) throws -> [[Float]] {
        var random = RandomStream(seed: seed).derived(2)
        let cpu = try DeviceRegistry.device(named: "cpu")
        return try (0..<batches).map { _ -> [Float] in
            switch self {
            case .w1:
                return try ToyDensity.banana.sample(batchSize, random: &random)
            case .w2, .w3, .w5:
                let d = eventShape[0]
                let noise = try random.next([batchSize, d], .normal, on: cpu).toArray()
                return (0..<(batchSize * d)).map { index -> Float in
                    let (row, i) = (index / d, index % d)
                    var value = 0.0
                    for j in 0...i { value += pow(0.5, Double(i - j)) * Double(noise[row * d + j]) }
                    return Float(value)
                }
            case .w4:
                let digits = try Digits.load()
                let pick = try random.next([batchSize], .uniform, on: cpu).toArray().map { min(digits.count - 1, Int($0 * Float(digits.count))) }
                let noise = try random.next([batchSize, 64], .uniform, on: cpu).toArray()
                return (0..<(batchSize * 64)).map { index -> Float in
                    let v = digits.values[pick[index / 64] * 64 + index % 64]
                    return (v + noise[index]) / 17 - 0.5
                }
            }
        }
    }
}
