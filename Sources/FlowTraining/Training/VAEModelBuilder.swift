import FlowLayers
import FlowRuntime

/// Builds `model.kind: "vae"`: the `VariationalAutoencoder` layer (encoder, Gaussian or IAF
/// posterior, decoder with its observation model), then the prior over the latent (nothing more
/// than `N(0, I)`, or RealNVP / MAF transforms before it). Vector data may be standardised in
/// front (Gaussian decoder; its log-det counts, so the bound is in the data's units). Images are
/// modelled as their integer levels with no dequantization: the Bernoulli and discretised logistic
/// decoders are probabilities of the discrete values, so the ELBO bounds the discrete
/// log-likelihood and bits/dim mean what they do for the dequantized flows.
enum VAEModelBuilder {
    static func build(_ config: TrainingConfig, data: LoadedData, seed: UInt64, on device: any Device) throws -> Flow {
        let model = config.model
        let shape = data.source.eventShape
        let features = shape.reduce(1, *)
        let latent = model.latent ?? ModelConfig.defaultLatent
        let decoder = model.decoder ?? (data.isImage ? .logistic : .gaussian)
        var front: [any Bijector] = []
        if data.isImage, config.data.logitAlpha != nil {
            throw ConfigError(
                key: "data.logitAlpha", "applies to flows on dequantized images, not to model.kind vae (a VAE models the integer levels themselves)")
        }
        if !data.isImage, let (mean, std) = data.standardization {
            guard decoder == .gaussian else {
                throw ConfigError(key: "data.standardize", "must be false for model.decoder \(decoder.rawValue), which models the raw values")
            }
            front.append(try Standardize(name: "standardize", mean: mean, std: std, on: device))
        }
        let observation = try observationModel(decoder, data: data, features: features, on: device)
        var random = RandomStream(seed: seed).derived(1)
        let hidden = Array(repeating: model.hidden, count: model.hiddenLayers)
        let vae = try VariationalAutoencoder(
            name: "vae", dataShape: shape, latent: latent, encoderHidden: hidden, decoderHidden: hidden, observation: observation,
            posteriorBlocks: model.posterior == .iaf ? model.posteriorBlocks ?? ModelConfig.defaultPosteriorBlocks : 0,
            posteriorHidden: model.hidden, posteriorHiddenLayers: model.hiddenLayers,
            evaluationSamples: model.importanceSamples ?? ModelConfig.defaultImportanceSamples,
            noise: RandomStream(seed: seed).derived(2), random: &random, on: device)
        let prior: [any Bijector]
        switch model.prior ?? .normal {
        case .normal:
            prior = []
        case .realnvp:
            guard latent >= 2 else { throw ConfigError(key: "model.latent", "must be at least 2 for model.prior realnvp, got \(latent)") }
            prior = try RealNVP(features: latent, layers: model.layers, hidden: model.hidden, hiddenLayers: model.hiddenLayers)
                .makeFlow(name: "prior", random: &random, on: device).chain.transforms
        case .maf:
            prior = [
                try MAF(
                    name: "prior", features: latent, blocks: model.layers, hidden: model.hidden, hiddenLayers: model.hiddenLayers, random: &random, on: device)
            ]
        }
        return Flow(
            transforms: front + [vae] + prior, base: StandardNormal(eventShape: [latent]),
            backwardMode: model.reversible ? .reversible : .storeActivations)
    }

    /// The decoder's observation model, checked against the data it must describe.
    private static func observationModel(
        _ decoder: ModelConfig.VAEDecoder, data: LoadedData, features: Int, on device: any Device
    ) throws -> any ObservationModel {
        switch decoder {
        case .gaussian:
            guard !data.isImage else {
                throw ConfigError(
                    key: "model.decoder", "gaussian models real-valued vectors; for images use logistic or bernoulli (probabilities of the integer levels)")
            }
            return try GaussianObservation(name: "vae.gaussian", features: features, on: device)
        case .logistic:
            guard data.isImage, let levels = data.levels else {
                throw ConfigError(
                    key: "model.decoder",
                    "logistic (the discretised logistic) needs images of integer levels (data.kind digits, idx or image NPY); for vectors use gaussian or bernoulli"
                )
            }
            return try DiscretizedLogisticObservation(name: "vae.logistic", levels: levels)
        case .bernoulli:
            if data.isImage, let levels = data.levels, levels != 2 {
                throw ConfigError(
                    key: "model.decoder",
                    "bernoulli needs binary data (levels 0 and 1); these images have \(levels) levels (set data.levels 2 for binary images, or use logistic)")
            }
            guard let train = (data.source as? ArrayTrainingData)?.train else {
                throw ConfigError(key: "model.decoder", "bernoulli needs a data file of 0/1 values, not data.kind toy")
            }
            if let index = train.values.firstIndex(where: { $0 != 0 && $0 != 1 }) {
                throw ConfigError(
                    key: "model.decoder",
                    "bernoulli needs 0/1 data; training example \(index / max(1, train.exampleSize)), feature \(index % max(1, train.exampleSize)) is \(train.values[index])"
                )
            }
            return BernoulliObservation(name: "vae.bernoulli")
        }
    }
}
