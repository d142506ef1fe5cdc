import Foundation

/// Everything a training run needs, as read from a JSON config (every key is documented in the
/// README). The resolved config — defaults filled in — is saved in the run directory.
public struct TrainingConfig: Codable, Equatable, Sendable {
    public var data: DataConfig
    public var model: ModelConfig
    public var train: TrainConfig

    public init(data: DataConfig, model: ModelConfig, train: TrainConfig) {
        self.data = data
        self.model = model
        self.train = train
    }

    /// Parses and validates a config; unknown keys and bad values throw `ConfigError` naming the key.
    /// `defaults` says what the keys added after runs were saved without them mean when absent:
    /// `.newRun` for a config that starts a run, `.savedRun` for a run's saved config.
    public static func parse(_ json: Data, defaults: ConfigDefaults = .newRun) throws -> TrainingConfig {
        let value: JSONValue
        do {
            value = try StrictJSON.parse(json)
        } catch {
            throw ConfigError(key: "", "not valid JSON: \(error)")
        }
        var root = try ConfigReader(value, path: "")
        var dataReader = try root.object("data")
        var modelReader = try root.object("model")
        var trainReader = try root.object("train")
        let config = TrainingConfig(
            data: try DataConfig(&dataReader), model: try ModelConfig(&modelReader, defaults: defaults), train: try TrainConfig(&trainReader))
        try dataReader.finish()
        try modelReader.finish()
        try trainReader.finish()
        try root.finish()
        return config
    }

    public static func load(_ path: String, defaults: ConfigDefaults = .newRun) throws -> TrainingConfig {
        let data: Data
        do {
            data = try FileAccess.read(path, what: "config file")
        } catch let error as FileError {
            throw ConfigError(key: "", "\(error)")
        }
        var config: TrainingConfig
        do {
            config = try parse(data, defaults: defaults)
        } catch let error as ConfigError {
            throw ConfigError(key: error.key, "\(error.message) (in \(path))")
        }
        // Data paths are relative to the config file, so a config and its data travel together.
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        func resolve(_ file: String?) -> String? {
            guard let file, !file.hasPrefix("/") else { return file }
            return base.appendingPathComponent(file).standardizedFileURL.path
        }
        config.data.train = resolve(config.data.train)
        config.data.validation = resolve(config.data.validation)
        config.data.test = resolve(config.data.test)
        return config
    }

    /// Pretty, key-sorted JSON of the resolved config.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}

public struct DataConfig: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case toy, csv, npy, digits, idx }

    public var kind: Kind
    /// `toy`: the density (banana/jang, moons, eightgaussians/ring8, checkerboard, rings).
    public var name: String?
    /// `csv` / `npy`: the training file; `idx`: the images file.
    public var train: String?
    public var validation: String?
    public var test: String?
    /// Fraction of the training file held out for validation when no validation file is given.
    public var validationFraction: Double
    /// `toy`: held-out samples drawn for validation and test.
    public var evaluationSize: Int
    /// Vector data: standardise features (a fixed transform at the front of the model whose
    /// log-det counts, so densities stay in the data's units), with the training split's
    /// statistics, or for a toy density those of a fixed sample of 100,000 points of it.
    public var standardize: Bool
    /// Images: number of intensity levels (17 for the digits' 0…16, 256 for 8-bit images).
    public var levels: Int?
    /// Images: RealNVP's logit preprocessing with this α (omit for the centred [−0.5, 0.5) scaling).
    public var logitAlpha: Double?

    init(_ reader: inout ConfigReader) throws {
        kind = try reader.choice("kind")
        name = try reader.optionalString("name")
        train = try reader.optionalString("train")
        validation = try reader.optionalString("validation")
        test = try reader.optionalString("test")
        validationFraction = try reader.double("validationFraction", default: 0.1, range: 0...0.9)
        evaluationSize = try reader.int("evaluationSize", default: 20_000, in: ConfigLimits.evaluationSize)
        standardize = try reader.bool("standardize", default: kind == .csv || kind == .npy)
        levels = try reader.optionalInt("levels", in: ConfigLimits.levels)
        logitAlpha = try reader.optionalDouble("logitAlpha", range: 1e-6...0.49)
        switch kind {
        case .toy:
            guard let name else { throw ConfigError(key: "data.name", "is required for kind toy") }
            guard ToyDensity(name: name) != nil else {
                throw ConfigError(key: "data.name", "'\(name)' is not a toy density; known: \(ToyDensity.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        case .csv, .npy, .idx:
            guard train != nil else { throw ConfigError(key: "data.train", "is required for kind \(kind.rawValue)") }
        case .digits:
            break
        }
    }
}

public struct ModelConfig: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case realnvp, glow, nice, maf, iaf, nsf
        /// The autoregressive spline flow (MADE-conditioned splines).
        case nsfAR = "nsf-ar"
        /// Flow++'s logistic-mixture couplings on Glow's multi-scale layout (images).
        case flowpp
        /// A variational autoencoder with a Gaussian or IAF posterior and an optional flow prior.
        case vae

        /// The spline kinds, the only ones with `bins` and `tailBound`.
        public var hasSplines: Bool { self == .nsf || self == .nsfAR }
        /// The image kinds, whose depth is levels × steps.
        public var modelsImages: Bool { self == .glow || self == .flowpp }
    }

    /// How image data become continuous: uniform noise (the default), or Flow++'s learned
    /// dequantizer `q(u | v)` trained with the model.
    public enum Dequantization: String, Codable, Sendable, CaseIterable { case uniform, variational }

    public var kind: Kind
    /// Couplings (realnvp, nice, nsf) or MADE blocks (maf, iaf, nsf-ar).
    public var layers: Int
    /// Hidden units (vector models) or hidden channels (image models).
    public var hidden: Int
    /// Hidden layers of each conditioner network.
    public var hiddenLayers: Int
    /// glow / image realnvp: levels L and steps per level K.
    public var levels: Int
    public var steps: Int
    /// Memory-saving reversible backward pass (rebuilds activations through the inverse).
    public var reversible: Bool
    /// nsf, nsf-ar: spline bins K and tail bound B (identity outside [−B, B]). Nil for every other kind,
    /// so their saved configs hold no spline keys and parse back under the strict reader.
    public var bins: Int?
    public var tailBound: Double?
    /// The spline shape when the config leaves it out (also for a config built in code with nil).
    public static let defaultBins = 8
    /// nsf only: an affine coupling before each spline coupling (`NeuralSplineFlow.affine`). Nil
    /// for every other kind; a saved nsf config holds it.
    public var affine: Bool?
    public static let defaultTailBound = 5.0
    /// Image data: the dequantization (nil means uniform, so older saved configs read back unchanged).
    public var dequantization: Dequantization?
    /// Variational dequantization only: the dequantizer's coupling steps.
    public var dequantizerSteps: Int?
    /// flowpp, and the variational dequantizer: logistic components K per coupling.
    public var components: Int?
    public static let defaultDequantizerSteps = 2
    public static let defaultComponents = 4

    /// The logistic-mixture couplings' components, for the kinds and dequantizers that have them.
    public var mixtureComponents: Int { components ?? Self.defaultComponents }

    /// vae only, nil for every other kind (so their saved configs hold no VAE keys and parse back
    /// under the strict reader). `latent`: latent features; `posterior` and, for an IAF posterior,
    /// `posteriorBlocks` (MADE blocks); `prior` over the latent (`layers` couplings or blocks for a
    /// flow prior); `decoder`: the observation model, nil to choose it from the data (discretised
    /// logistic for images, Gaussian for vectors); `importanceSamples`: the k of evaluation's
    /// importance-weighted log-likelihood.
    public var latent: Int?
    public var posterior: VAEPosterior?
    public var posteriorBlocks: Int?
    public var prior: VAEPrior?
    public var decoder: VAEDecoder?
    public var importanceSamples: Int?
    public static let defaultLatent = 8
    public static let defaultPosteriorBlocks = 2
    public static let defaultImportanceSamples = 100

    /// maf, iaf only (nil for every other kind, so their saved configs hold no such keys): how
    /// each block's log-scale α comes from its MADE's raw output `a` (`LogScaleBound`):
    /// `unbounded` (α = a, the paper's form) or `tanh` (α = c·tanh(a/c), |α| < c, with
    /// `c = logScaleBound`, nil for `unbounded`). Absent, it is `defaultLogScale` in a config that
    /// starts a run and `unbounded` in the saved config of a run from before the key existed
    /// (`ConfigDefaults`); every saved config states it since.
    public var logScale: LogScale?
    public var logScaleBound: Double?
    public enum LogScale: String, Codable, Sendable, CaseIterable { case unbounded, tanh }
    /// Chosen by test NLL on banana, a ring and a correlated 6-D Gaussian (see the README).
    public static let defaultLogScale = LogScale.tanh
    public static let defaultLogScaleBound = 3.0

    public enum VAEPosterior: String, Codable, Sendable, CaseIterable { case gaussian, iaf }
    public enum VAEPrior: String, Codable, Sendable, CaseIterable { case normal, realnvp, maf }
    public enum VAEDecoder: String, Codable, Sendable, CaseIterable { case bernoulli, logistic, gaussian }

    init(_ reader: inout ConfigReader, defaults absent: ConfigDefaults) throws {
        kind = try reader.choice("kind", default: Kind.realnvp)
        let defaults: (layers: Int, hidden: Int) =
            switch kind {
            case .realnvp: (8, 128)
            // Splines are more expressive per layer than affine couplings, so fewer suffice.
            case .nsf: (4, 128)
            // Each block transforms every feature (a coupling only half), on MAF's width.
            case .nsfAR: (4, 256)
            case .nice: (4, 256)
            case .maf, .iaf: (5, 256)
            case .glow, .flowpp: (0, 64)
            // A VAE's `layers` are its flow prior's (unused with the normal prior).
            case .vae: (4, 256)
            }
        // Glow and Flow++ count their depth in levels × steps; their saved configs hold layers = 0 (unused).
        layers = try reader.int(
            "layers", default: defaults.layers, in: kind.modelsImages ? 0...ConfigLimits.layers.upperBound : ConfigLimits.layers)
        hidden = try reader.int("hidden", default: defaults.hidden, in: ConfigLimits.hidden)
        hiddenLayers = try reader.int("hiddenLayers", default: 2, in: ConfigLimits.hiddenLayers)
        levels = try reader.int("levels", default: 2, in: ConfigLimits.imageLevels)
        steps = try reader.int("steps", default: 4, in: ConfigLimits.stepsPerLevel)
        reversible = try reader.bool("reversible", default: false)
        if kind.hasSplines {
            bins = try reader.int("bins", default: Self.defaultBins, in: ConfigLimits.splineBins)
            tailBound = try reader.double("tailBound", default: Self.defaultTailBound, range: ConfigLimits.splineTailBound)
        } else {
            // Refused rather than ignored: a spline key on another kind is a mistake the run
            // would otherwise silently hide.
            try reader.onlyFor("bins", "applies only to model.kind nsf or nsf-ar, not \(kind.rawValue)")
            try reader.onlyFor("tailBound", "applies only to model.kind nsf or nsf-ar, not \(kind.rawValue)")
            bins = nil
            tailBound = nil
        }
        if kind == .nsf {
            affine = try reader.bool("affine", default: false)
        } else {
            try reader.onlyFor("affine", "applies only to model.kind nsf, not \(kind.rawValue)")
            affine = nil
        }
        // Whether the data are images is the data section's business; ModelBuilder refuses a
        // variational dequantizer for vector data.
        if kind == .vae {
            // Its decoder's likelihood is of the discrete levels themselves: nothing to dequantize.
            try reader.onlyFor("dequantization", "does not apply to model.kind vae (it models the discrete levels directly)")
            dequantization = nil
        } else {
            dequantization = try reader.optionalChoice("dequantization")
        }
        if dequantization == .variational {
            dequantizerSteps = try reader.int("dequantizerSteps", default: Self.defaultDequantizerSteps, in: ConfigLimits.dequantizerSteps)
        } else {
            try reader.onlyFor("dequantizerSteps", "applies only with model.dequantization \"variational\"")
            dequantizerSteps = nil
        }
        if kind == .flowpp || dequantization == .variational {
            components = try reader.int("components", default: Self.defaultComponents, in: ConfigLimits.mixtureComponents)
        } else {
            try reader.onlyFor(
                "components", "applies only to model.kind flowpp or with model.dequantization \"variational\", not \(kind.rawValue)")
            components = nil
        }
        try readLogScaleKeys(&reader, defaults: absent)
        try readVAEKeys(&reader)
        // Each factor is bounded, so the product cannot overflow (at most 2¹⁶ · 2¹⁴ · 2¹⁴).
        let weights = max(layers * hiddenLayers, levels * steps) * hidden * hidden
        guard weights <= ConfigLimits.weights else {
            throw ConfigError(
                key: "model.hidden",
                "the model would hold about \(weights) hidden-to-hidden weights (hidden² × max(layers × hiddenLayers, levels × steps)), "
                    + "over the limit of \(ConfigLimits.weights); use fewer hidden units or layers")
        }
    }
}

extension ModelConfig {
    /// `logScale` and `logScaleBound`: read for maf and iaf, refused for every other kind.
    private mutating func readLogScaleKeys(_ reader: inout ConfigReader, defaults: ConfigDefaults) throws {
        guard kind == .maf || kind == .iaf else {
            try reader.onlyFor("logScale", "applies only to model.kind maf or iaf, not \(kind.rawValue)")
            try reader.onlyFor("logScaleBound", "applies only to model.kind maf or iaf, not \(kind.rawValue)")
            return
        }
        let logScale: LogScale = try reader.choice("logScale", default: defaults.logScale)
        self.logScale = logScale
        switch logScale {
        case .tanh:
            logScaleBound = try reader.double("logScaleBound", default: Self.defaultLogScaleBound, range: ConfigLimits.logScaleBound)
        case .unbounded:
            try reader.onlyFor("logScaleBound", "applies only with model.logScale \"tanh\"")
            logScaleBound = nil
        }
    }

    static let vaeKeys = ["latent", "posterior", "posteriorBlocks", "prior", "decoder", "importanceSamples"]

    /// The VAE keys: read for kind vae, refused (with the reason) for every other kind.
    private mutating func readVAEKeys(_ reader: inout ConfigReader) throws {
        guard kind == .vae else {
            for key in Self.vaeKeys { try reader.onlyFor(key, "applies only to model.kind vae, not \(kind.rawValue)") }
            return
        }
        latent = try reader.int("latent", default: Self.defaultLatent, in: ConfigLimits.latent)
        let posterior: VAEPosterior = try reader.choice("posterior", default: .gaussian)
        self.posterior = posterior
        if posterior == .iaf {
            posteriorBlocks = try reader.int("posteriorBlocks", default: Self.defaultPosteriorBlocks, in: ConfigLimits.posteriorBlocks)
        } else {
            try reader.onlyFor("posteriorBlocks", "applies only to model.posterior iaf, not \(posterior.rawValue)")
        }
        let prior: VAEPrior = try reader.choice("prior", default: .normal)
        self.prior = prior
        if prior == .realnvp, let latent, latent < 2 {
            throw ConfigError(key: "model.latent", "must be at least 2 for model.prior realnvp (its couplings split the latent in halves), got \(latent)")
        }
        // No default here: the data decide (ModelBuilder), and a saved config keeps it absent.
        if reader.has("decoder") {
            decoder = try reader.choice("decoder") as VAEDecoder
        } else {
            _ = try reader.optionalString("decoder")
        }
        importanceSamples = try reader.int("importanceSamples", default: Self.defaultImportanceSamples, in: ConfigLimits.importanceSamples)
    }
}

public struct TrainConfig: Codable, Equatable, Sendable {
    public var steps: Int
    public var batchSize: Int
    public var learningRate: Double
    public var seed: UInt64
    public var checkpointEvery: Int
    public var evalEvery: Int
    public var logEvery: Int
    public var keepCheckpoints: Int
    public var warmupSteps: Int
    public var schedule: LearningRateSchedule.Decay
    public var minimumLearningRateFactor: Double
    public var decayEvery: Int
    public var decayGamma: Double
    public var clipGradNorm: Double?
    public var weightDecay: Double
    public var earlyStoppingPatience: Int?
    public var maxNonFiniteSteps: Int
    public var nonFiniteLearningRateFactor: Double
    /// K: the batch is cut into K micro-batches of batchSize/K rows, whose gradients are added in
    /// order 0…K−1 (data-parallel training hands each rank K/N of them; the sum, and so the run,
    /// is then the same on any rank count N that divides K). 1 is the undivided batch.
    public var microBatches: Int

    init(_ reader: inout ConfigReader) throws {
        steps = try reader.int("steps", default: 5000, in: ConfigLimits.steps)
        batchSize = try reader.int("batchSize", default: 512, in: ConfigLimits.batchSize)
        learningRate = try reader.double("learningRate", default: 1e-3, range: 1e-12...10)
        seed = UInt64(try reader.int("seed", default: 0, in: ConfigLimits.seed))
        checkpointEvery = try reader.int("checkpointEvery", default: 500, in: ConfigLimits.steps)
        evalEvery = try reader.int("evalEvery", default: 500, in: ConfigLimits.steps)
        logEvery = try reader.int("logEvery", default: 50, in: ConfigLimits.steps)
        keepCheckpoints = try reader.int("keepCheckpoints", default: 3, in: ConfigLimits.keepCheckpoints)
        warmupSteps = try reader.int("warmupSteps", default: 0, in: 0...ConfigLimits.steps.upperBound)
        schedule = try reader.choice("schedule", default: LearningRateSchedule.Decay.constant)
        minimumLearningRateFactor = try reader.double("minimumLearningRateFactor", default: 0, range: 0...1)
        decayEvery = try reader.int("decayEvery", default: 1000, in: ConfigLimits.steps)
        decayGamma = try reader.double("decayGamma", default: 0.5, range: 0...1)
        clipGradNorm = try reader.optionalDouble("clipGradNorm", range: 1e-12...1e12)
        weightDecay = try reader.double("weightDecay", default: 0, range: 0...10)
        earlyStoppingPatience = try reader.optionalInt("earlyStoppingPatience", in: ConfigLimits.patience)
        maxNonFiniteSteps = try reader.int("maxNonFiniteSteps", default: 10, in: ConfigLimits.patience)
        nonFiniteLearningRateFactor = try reader.double("nonFiniteLearningRateFactor", default: 0.5, range: 0...1)
        microBatches = try reader.int("microBatches", default: 1, in: ConfigLimits.microBatches)
        guard batchSize % microBatches == 0 else {
            throw ConfigError(
                key: "train.microBatches",
                "must divide train.batchSize (\(batchSize)) into equal micro-batches, got \(microBatches); every micro-batch has batchSize/microBatches rows")
        }
    }

    public var learningRateSchedule: LearningRateSchedule {
        LearningRateSchedule(
            base: learningRate, warmupSteps: warmupSteps, decay: schedule, totalSteps: steps,
            minimumFactor: minimumLearningRateFactor, stepSize: decayEvery, gamma: decayGamma)
    }
}
