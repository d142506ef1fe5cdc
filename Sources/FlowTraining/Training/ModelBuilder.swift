import FlowLayers
import FlowRuntime

/// Builds the model a config asks for: the preset, preceded by the data's fixed preprocessing
/// (standardisation of tabular data; dequantization and scaling of images), whose log-dets are
/// part of the model so densities are in the units of the data as given.
public enum ModelBuilder {
    public static func build(_ config: TrainingConfig, data: LoadedData, seed: UInt64, on device: any Device) throws -> Flow {
        let model = config.model
        // A VAE models the data as they are (no dequantization): its own builder.
        if model.kind == .vae { return try VAEModelBuilder.build(config, data: data, seed: seed, on: device) }
        var random = RandomStream(seed: seed).derived(1)
        let shape = data.source.eventShape
        var front: [any Bijector] = []
        let core: Flow
        if data.isImage {
            guard shape.count == 3 else { throw ConfigError(key: "data", "images must be [C, H, W], got \(shape)") }
            let levels = data.levels ?? 256
            // Dequantize into [0, 1) (then logit, RealNVP) or into [−0.5, 0.5) (the centred form).
            let noise = RandomStream(seed: seed).derived(2)
            let offset: Float = config.data.logitAlpha == nil ? -0.5 : 0
            switch model.dequantization ?? .uniform {
            case .uniform:
                front.append(try UniformDequantization(name: "dequantize", levels: levels, offset: offset, noise: noise))
            case .variational:
                // Its own initialisation stream, so the model's weights are those of the uniform run.
                var dequantizerRandom = RandomStream(seed: seed).derived(3)
                front.append(
                    try FlowPlusPlus.dequantizer(
                        imageShape: shape, levels: levels, offset: offset, steps: model.dequantizerSteps ?? ModelConfig.defaultDequantizerSteps,
                        hidden: model.hidden, components: model.mixtureComponents, noise: noise, random: &dequantizerRandom, on: device))
            }
            if let alpha = config.data.logitAlpha { front.append(try LogitTransform(name: "logit", alpha: Float(alpha))) }
            switch model.kind {
            case .glow:
                core = try Glow(imageShape: shape, levels: model.levels, steps: model.steps, hidden: model.hidden, learnedPrior: true)
                    .makeFlow(random: &random, on: device)
            case .flowpp:
                core = try FlowPlusPlus(
                    imageShape: shape, levels: model.levels, steps: model.steps, hidden: model.hidden, components: model.mixtureComponents
                ).makeFlow(random: &random, on: device)
            case .realnvp:
                core = try RealNVPImage(imageShape: shape, scales: model.levels, hidden: model.hidden).makeFlow(random: &random, on: device)
            case .nice, .maf, .iaf, .nsf, .nsfAR:
                throw ConfigError(key: "model.kind", "\(model.kind.rawValue) models vectors; for images use glow, flowpp, realnvp or vae")
            case .vae:
                // Built above, before any dequantization; here only for the switch's completeness.
                return try VAEModelBuilder.build(config, data: data, seed: seed, on: device)
            }
        } else {
            guard shape.count == 1, let features = shape.first, features >= 2 else {
                throw ConfigError(key: "data", "vector models need at least 2 features per example, got shape \(shape)")
            }
            if model.dequantization == .variational {
                throw ConfigError(key: "model.dequantization", "variational dequantization applies to image data only (data.kind digits or idx)")
            }
            if let (mean, std) = data.standardization {
                front.append(try Standardize(name: "standardize", mean: mean, std: std, on: device))
            }
            switch model.kind {
            case .realnvp:
                core = try RealNVP(features: features, layers: model.layers, hidden: model.hidden, hiddenLayers: model.hiddenLayers)
                    .makeFlow(random: &random, on: device)
            case .nice:
                core = try NICE(features: features, couplings: model.layers, hidden: model.hidden, hiddenLayers: model.hiddenLayers)
                    .makeFlow(random: &random, on: device)
            case .maf:
                core = Flow(
                    transforms: [
                        try MAF(
                            features: features, blocks: model.layers, hidden: model.hidden, hiddenLayers: model.hiddenLayers,
                            logScaleBound: logScaleBound(model), random: &random, on: device)
                    ],
                    base: StandardNormal(eventShape: [features]))
            case .iaf:
                core = Flow(
                    transforms: [
                        try IAF(
                            features: features, blocks: model.layers, hidden: model.hidden, hiddenLayers: model.hiddenLayers,
                            logScaleBound: logScaleBound(model), random: &random, on: device)
                    ],
                    base: StandardNormal(eventShape: [features]))
            case .nsf:
                core = try NeuralSplineFlow(
                    features: features, layers: model.layers, hidden: model.hidden, hiddenLayers: model.hiddenLayers,
                    bins: model.bins ?? ModelConfig.defaultBins, tailBound: Float(model.tailBound ?? ModelConfig.defaultTailBound),
                    affine: model.affine ?? false
                ).makeFlow(random: &random, on: device)
            case .nsfAR:
                core = try AutoregressiveNeuralSplineFlow(
                    features: features, blocks: model.layers, hidden: model.hidden, hiddenLayers: model.hiddenLayers,
                    bins: model.bins ?? ModelConfig.defaultBins, tailBound: Float(model.tailBound ?? ModelConfig.defaultTailBound)
                ).makeFlow(random: &random, on: device)
            case .glow, .flowpp:
                throw ConfigError(key: "model.kind", "\(model.kind.rawValue) models images; for vectors use realnvp, nice, maf, iaf, nsf, nsf-ar or vae")
            case .vae:
                return try VAEModelBuilder.build(config, data: data, seed: seed, on: device)
            }
        }
        return Flow(
            transforms: front + core.chain.transforms, base: core.base,
            backwardMode: model.reversible ? .reversible : .storeActivations)
    }

    /// maf / iaf: the blocks' log-scale form; a config without one (built before the key existed) is unbounded.
    static func logScaleBound(_ model: ModelConfig) throws -> LogScaleBound {
        switch model.logScale ?? .unbounded {
        case .unbounded: return .unbounded
        case .tanh: return try .tanh(Float(model.logScaleBound ?? ModelConfig.defaultLogScaleBound))
        }
    }
}
