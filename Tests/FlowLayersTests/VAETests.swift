import FlowLayers
import FlowRuntime
import FlowTestSupport
import Foundation
import Testing

/// The VAE layer's parts against plain Double implementations: the three observation models'
/// log-likelihoods (every discretised-logistic bin kind, the edge bins 0 and L−1 included), the
/// posterior's `log q(z|x)` (IAF log-det) against a brute-force Jacobian of ε → z, and the decoded
/// samples. The ELBO's gradients are in the property registry (`Cases/VAECases.swift`).
@Suite struct VAETests {
    static func logSigmoid(_ v: Double) -> Double { v >= 0 ? -log1p(exp(-v)) : v - log1p(exp(v)) }
    static func sigmoid(_ v: Double) -> Double { 1 / (1 + exp(-v)) }

    /// Float32 inputs, Double reference: a sum of 12 terms of size ≤ 10 is good to ~1e-5.
    static func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-4 + 1e-5 * abs(b) }

    @Test(arguments: TestDevices.all)
    func bernoulliMatchesReference(_ d: TestDevice) throws {
        let x: [Float] = [0, 1, 1, 0, 1, 0]
        let logits: [Float] = [-3, 2.5, -0.7, 0.4, 9, -12]
        let model = BernoulliObservation()
        let result = try model.logLikelihood(Tensor(x, shape: [2, 3], on: d.device), parameters: Tensor(logits, shape: [2, 3], on: d.device))
        let value = try result.logLikelihood.toArray()
        for row in 0..<2 {
            let reference = (0..<3).reduce(0.0) { sum, j in
                let (k, l) = (Double(x[row * 3 + j]), Double(logits[row * 3 + j]))
                return sum + (k == 1 ? Self.logSigmoid(l) : Self.logSigmoid(-l))
            }
            #expect(Self.close(Double(value[row]), reference), "row \(row): \(value[row]) vs \(reference)")
        }
    }

    /// Levels 0 (lower edge), 16 (upper edge) and interior ones of 17, with locations and scales
    /// inside and far outside the data's range; the reference is the plain CDF difference in
    /// Double (`σ(a⁺) − σ(a⁻)`, with the edge bins open), not the layer's factored form.
    @Test(arguments: TestDevices.all)
    func discretizedLogisticMatchesReference(_ d: TestDevice) throws {
        let levels = 17
        let x: [Float] = [0, 16, 7, 1, 15, 0, 16, 8]
        let location: [Float] = [-0.9, 0.95, 0.1, -1.5, 2, 0.6, -0.4, 0]
        let logScale: [Float] = [-2, -3, -1, 0.5, -4, -0.2, 1, -5]
        let model = try DiscretizedLogisticObservation(levels: levels)
        // Row r holds its four locations, then its four log-scales.
        let rows: [[Float]] = (0..<2).map { r in Array(location[(4 * r)..<(4 * r + 4)]) + Array(logScale[(4 * r)..<(4 * r + 4)]) }
        let parameters = try Tensor(rows.flatMap { $0 }, shape: [2, 8], on: d.device)
        let value = try model.logLikelihood(Tensor(x, shape: [2, 4], on: d.device), parameters: parameters).logLikelihood.toArray()
        let half = 1 / Double(levels - 1)
        for row in 0..<2 {
            var reference = 0.0
            for j in 0..<4 {
                let index = row * 4 + j
                let scaled = 2 * Double(x[index]) / Double(levels - 1) - 1
                let s = exp(Double(logScale[index]))
                let upper: Double = x[index] == Float(levels - 1) ? 1 : Self.sigmoid((scaled + half - Double(location[index])) / s)
                let lower: Double = x[index] == 0 ? 0 : Self.sigmoid((scaled - half - Double(location[index])) / s)
                reference += log(upper - lower)
            }
            #expect(Self.close(Double(value[row]), reference), "row \(row): \(value[row]) vs \(reference)")
        }
    }

    /// All 17 levels' probabilities sum to one for any location and scale.
    @Test(arguments: TestDevices.all)
    func discretizedLogisticIsANormalisedDistribution(_ d: TestDevice) throws {
        let model = try DiscretizedLogisticObservation(levels: 17)
        for (location, logScale) in [(Float(0.2), Float(-2.5)), (-1.3, 0.7), (0.97, -4)] {
            let x = try Tensor((0..<17).map(Float.init), shape: [17, 1], on: d.device)
            let parameters = try Tensor(Array(repeating: [location, logScale], count: 17).flatMap { $0 }, shape: [17, 2], on: d.device)
            let total = try model.logLikelihood(x, parameters: parameters).logLikelihood.toArray().reduce(0.0) { $0 + exp(Double($1)) }
            #expect(abs(total - 1) < 1e-5, "location \(location), log-scale \(logScale): Σ P = \(total)")
        }
    }

    @Test(arguments: TestDevices.all)
    func gaussianMatchesReference(_ d: TestDevice) throws {
        let model = try GaussianObservation(features: 3, on: d.device)
        let logScale: [Float] = [-0.5, 0.3, 1.2]
        model.logScale.value = try Tensor(logScale, shape: [3], on: d.device)
        let x: [Float] = [0.3, -1.2, 4, 2, 0, -3]
        let mean: [Float] = [0.1, -1, 3, -2, 0.5, -3]
        let value = try model.logLikelihood(Tensor(x, shape: [2, 3], on: d.device), parameters: Tensor(mean, shape: [2, 3], on: d.device))
            .logLikelihood.toArray()
        for row in 0..<2 {
            let reference = (0..<3).reduce(0.0) { sum, j in
                let sigma = exp(Double(logScale[j]))
                let r = (Double(x[row * 3 + j]) - Double(mean[row * 3 + j])) / sigma
                return sum - 0.5 * r * r - log(sigma) - 0.5 * log(2 * Double.pi)
            }
            #expect(Self.close(Double(value[row]), reference), "row \(row): \(value[row]) vs \(reference)")
        }
    }

    /// `log q(z|x)` as the layer reports it (`log p(x|z) − logDet`) against the density of z
    /// computed independently: z is a function of ε for fixed x, so
    /// `log q(z|x) = Σ log N(ε) − log|det ∂z/∂ε|` with the Jacobian by finite differences through
    /// the encoder and the IAF blocks. This checks the IAF log-det and the Σ log σ term together.
    @Test(arguments: TestDevices.all)
    func posteriorDensityMatchesBruteForceJacobian(_ d: TestDevice) throws {
        let device = d.device
        var random = RandomStream(seed: 42)
        let latent = 3
        let vae = try VariationalAutoencoder(
            dataShape: [4], latent: latent, encoderHidden: [5], decoderHidden: [5], observation: GaussianObservation(features: 4, on: device),
            posteriorBlocks: 2, posteriorHidden: 6, noise: RandomStream(seed: 9), random: &random, on: device)
        let iaf = try #require(vae.posteriorFlow)
        var perturbation = RandomStream(seed: 43)
        for parameter in vae.parameters {
            parameter.value = try parameter.value.adding(perturbation.next(parameter.shape, .normal, on: device).scaled(by: 0.4))
        }
        let x = try perturbation.next([2, 4], .normal, on: device)
        var copy = vae.noise
        let epsilon = try copy.next([2, latent], .normal, on: device).toArray()
        let forward = try vae.transform(x)
        let decoded = try vae.decoder.forward(forward.output, context: nil).output
        let logLikelihood = try vae.observation.logLikelihood(x, parameters: decoded).logLikelihood.toArray()
        let reported = zip(logLikelihood, try forward.logDet.toArray()).map { Double($0) - Double($1) }

        let encoded = try vae.encoder.forward(x, context: nil).output.split([latent, latent, latent])
        let (mean, logScale, context) = (try encoded[0].toArray(), try encoded[1].toArray(), encoded[2])
        for sample in 0..<2 {
            func z(_ eps: [Double]) throws -> [Double] {
                var start = [Float](repeating: 0, count: 2 * latent)
                for j in 0..<latent {
                    let i = sample * latent + j
                    start[i] = Float(Double(mean[i]) + exp(Double(logScale[i])) * eps[j])
                }
                let out = try iaf.transform(Tensor(start, shape: [2, latent], on: device), context: context).output.toArray()
                return (0..<latent).map { Double(out[sample * latent + $0]) }
            }
            let point = (0..<latent).map { Double(epsilon[sample * latent + $0]) }
            let columns = try NumericalDerivatives.jacobian(dimension: latent) { delta in try z(zip(point, delta).map(+)) }
            let logNormal = point.reduce(0.0) { $0 - 0.5 * $1 * $1 - 0.5 * log(2 * Double.pi) }
            let bruteForce = logNormal - NumericalDerivatives.logAbsDeterminant(columns: columns)
            #expect(
                FlowTestHelpers.close(reported[sample], bruteForce, rtol: 2e-3, atol: 2e-3),
                "sample \(sample): log q \(reported[sample]), brute force \(bruteForce)")
        }
    }

    /// Decoding gives the observation model's location in the data's shape and a NaN log-det
    /// (a decoded sample has no density to report), and a forward pass advances the noise.
    @Test(arguments: TestDevices.all)
    func inverseDecodesToLevelsAndForwardDrawsFreshNoise(_ d: TestDevice) throws {
        var random = RandomStream(seed: 3)
        let vae = try VariationalAutoencoder(
            dataShape: [1, 2, 2], latent: 2, encoderHidden: [4], decoderHidden: [4], observation: DiscretizedLogisticObservation(levels: 17),
            noise: RandomStream(seed: 4), random: &random, on: d.device)
        let z = try random.next([5, 2], .normal, on: d.device).scaled(by: 3)
        let decoded = try vae.inverse(z, context: nil)
        #expect(decoded.output.shape == [5, 1, 2, 2])
        #expect(try decoded.output.toArray().allSatisfy { $0 >= 0 && $0 <= 16 })
        #expect(try decoded.logDet.toArray().allSatisfy(\.isNaN))
        let levels = try vae.quantize(decoded.output).toArray()
        #expect(levels.allSatisfy { $0 == $0.rounded() && $0 >= 0 && $0 <= 16 })
        let x = try Tensor([0, 16, 3, 8, 1, 1, 2, 2], shape: [2, 1, 2, 2], on: d.device)
        let before = vae.noise
        let first = try vae.transform(x).logDet.toArray()
        #expect(vae.noise != before)
        vae.noise = before
        #expect(try vae.transform(x).logDet.toArray() == first)
    }
}
