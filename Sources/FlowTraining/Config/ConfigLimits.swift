/// Upper bounds of every size a config or a flag can set. They are far above any model or run
/// that fits a machine, and low enough that an absurd value is a clear error at start-up rather
/// than an integer overflow, a trap or an out-of-memory kill hours into a run.
public enum ConfigLimits {
    /// Training steps (and every interval counted in steps): 10⁹ steps is years of training.
    public static let steps = 1...1_000_000_000
    public static let batchSize = 1...262_144
    /// Seeds are JSON numbers, which are exact as integers only up to 2⁵³.
    public static let seed = 0...9_007_199_254_740_991
    public static let evaluationSize = 1...10_000_000
    public static let levels = 2...65_536
    public static let layers = 1...512
    public static let hidden = 1...16_384
    public static let hiddenLayers = 1...32
    public static let imageLevels = 1...8
    public static let stepsPerLevel = 1...128
    /// Spline bins per transformed feature (each costs 3 conditioner outputs per feature).
    public static let splineBins = 1...64
    /// Spline tail bound B: the interval [−B, B] the bins share (a Float, so kept far inside its range).
    public static let splineTailBound = 0.001...10_000.0
    /// maf / iaf `logScaleBound` c of the soft clamp α = c·tanh(a/c): below 0.01 a block can
    /// barely scale, above 50 the clamp only acts where exp(c) overflows anyway (c > 88).
    public static let logScaleBound = 0.01...50.0
    /// Logistic components per Flow++ coupling (each costs 3 conditioner outputs per element).
    public static let mixtureComponents = 1...64
    /// Coupling steps of the variational dequantizer.
    public static let dequantizerSteps = 1...32
    /// VAE latent features, IAF posterior blocks, and importance samples per example at evaluation
    /// (each one a full forward pass over the data).
    public static let latent = 1...16_384
    public static let posteriorBlocks = 1...64
    public static let importanceSamples = 1...100_000
    public static let keepCheckpoints = 1...1_000
    /// Micro-batches per step (`train.microBatches`): each is a forward and backward pass of its own.
    public static let microBatches = 1...65_536
    public static let patience = 1...1_000_000
    /// Weights of the largest layers together (about 16 bytes each with gradients and Adam's
    /// moments: 4 GiB at this limit).
    public static let weights = 268_435_456
    /// Samples one `flowkit sample` call may draw.
    public static let samples = 1...10_000_000
}
