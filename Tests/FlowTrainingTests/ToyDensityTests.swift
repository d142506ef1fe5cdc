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
