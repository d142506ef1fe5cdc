import FlowLayers
import Foundation
import Testing

@testable import FlowTraining

struct ToyDensityTests {
    /// The Monte-Carlo estimate of −E[log p] from the sampler matches the stated entropy: this
    /// checks sampler and density against each other (20k samples: standard error ≈ 0.01–0.02).
    @Test(arguments: [ToyDensity.banana, .eightGaussians, .checkerboard])
    func samplerAndDensityAgreeWithTheEntropy(_ density: ToyDensity) throws {
        var random = RandomStream(seed: 2024)
        let points = try density.sample(20_000, random: &random)
        var total = 0.0
        for i in 0..<20_000 {
            let logp = try #require(density.logDensity(Double(points[2 * i]), Double(points[2 * i + 1])))
            #expect(logp.isFinite, "sample \(i) of \(density) has zero density")
            total -= logp
        }
        let entropy = try #require(density.entropy)
        #expect(abs(total / 20_000 - entropy) < 0.06, "\(density): −mean log p = \(total / 20_000), entropy \(entropy)")
    }

    /// `data.standardize` on a toy density puts its statistics (from a fixed sample) in front of
    /// the model; without it there are none. Banana: x₂ ~ N(0, 4²) and x₁ = x₂²/4 + N(0, 1), so
    /// E x₁ = 4 and Var x₁ = 2·4⁴/16 + 1 = 33.
    @Test func toyStandardizationUsesTheDensitysMoments() throws {
        let on = try TrainingConfig.parse(Data(#"{"data": {"kind": "toy", "name": "banana", "standardize": true}}"#.utf8))
        let statistics = try #require(try DataLoader.load(on.data, seed: 3).standardization)
        #expect(abs(statistics.mean[0] - 4) < 0.1 && abs(statistics.mean[1]) < 0.05, "mean \(statistics.mean)")
        #expect(abs(statistics.std[0] - Float(33).squareRoot()) < 0.1 && abs(statistics.std[1] - 4) < 0.05, "std \(statistics.std)")
        let off = try TrainingConfig.parse(Data(#"{"data": {"kind": "toy", "name": "banana"}}"#.utf8))
        #expect(try DataLoader.load(off.data, seed: 3).standardization == nil)
    }

    @Test func sameStreamSamePoints() throws {
        for density in ToyDensity.allCases {
            var a = RandomStream(seed: 5)
            var b = RandomStream(seed: 5)
            #expect(try density.sample(100, random: &a) == density.sample(100, random: &b))
        }
    }

    @Test func workloadNamesAreAccepted() {
        #expect(ToyDensity(name: "jang") == .banana)
        #expect(ToyDensity(name: "ring8") == .eightGaussians)
        #expect(ToyDensity(name: "nonsense") == nil)
    }
}
