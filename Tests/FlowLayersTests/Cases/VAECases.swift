import FlowLayers
import FlowRuntime

extension BijectorCases {
    /// Integer levels `0…levels−1` drawn uniformly (both edge bins appear in a batch of 3×6).
    static func levels(_ levels: Int) -> @Sendable ([Int], any Device, inout RandomStream) throws -> Tensor {
        { shape, device, random in
            let uniform = try random.next(shape, .uniform, on: device).toArray()
            return try Tensor(uniform.map { min(Float(levels - 1), ($0 * Float(levels)).rounded(.down)) }, shape: shape, on: device)
        }
    }

    /// The VAE layer's one-draw ELBO, differentiated with the noise fixed (`stochastic`), for each
    /// observation model, with and without an IAF posterior. The encoder and decoder are linear
    /// (no hidden layer) where the case is about the likelihood, because a ReLU kink crossed by
    /// the finite-difference stencil misses by a few per cent (see `smoothAR`); the posterior's
    /// MADEs use softplus for the same reason. One case keeps ReLU hidden layers in both MLPs.
    static let vae: [BijectorCase] = [
        BijectorCase(name: "VAE Gaussian decoder", eventShape: [5], stochastic: true) { device, random in
            try VariationalAutoencoder(
                dataShape: [5], latent: 3, encoderHidden: [], decoderHidden: [], observation: GaussianObservation(features: 5, on: device),
                noise: RandomStream(seed: 5), random: &random, on: device)
        },
        BijectorCase(name: "VAE Bernoulli decoder IAF posterior", eventShape: [5], stochastic: true, makeInput: levels(2)) { device, random in
            try VariationalAutoencoder(
                dataShape: [5], latent: 3, encoderHidden: [], decoderHidden: [], observation: BernoulliObservation(),
                posteriorBlocks: 2, posteriorHidden: 6, posteriorActivation: smoothAR, noise: RandomStream(seed: 6), random: &random, on: device)
        },
        BijectorCase(name: "VAE discretised logistic on images IAF posterior", eventShape: [1, 2, 3], stochastic: true, makeInput: levels(5)) {
            device, random in
            try VariationalAutoencoder(
                dataShape: [1, 2, 3], latent: 2, encoderHidden: [], decoderHidden: [], observation: DiscretizedLogisticObservation(levels: 5),
                posteriorBlocks: 1, posteriorHidden: 5, posteriorActivation: smoothAR, noise: RandomStream(seed: 7), random: &random, on: device)
        },
        BijectorCase(name: "VAE ReLU MLPs Gaussian decoder", eventShape: [4], stochastic: true) { device, random in
            try VariationalAutoencoder(
                dataShape: [4], latent: 2, encoderHidden: [6], decoderHidden: [6], observation: GaussianObservation(features: 4, on: device),
                noise: RandomStream(seed: 8), random: &random, on: device)
        },
    ]
}
