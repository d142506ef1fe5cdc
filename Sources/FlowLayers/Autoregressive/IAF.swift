import FlowRuntime

/// Inverse autoregressive flow (Kingma et al. 2016, arXiv:1606.04934): MAF's layout (`blocks`
/// MADE-driven blocks, feature order reversed before blocks 1…n−1) with `AutoregressiveAffine(.inverse)`
/// blocks, whose MADE reads the noise side. Per block, with `(μ, α) = MADE(z)`:
///
///     x = z ⊙ exp(α) + μ,   log|det ∂z/∂x| = −Σ α
///
/// Inverse (noise → data, sampling) is one pass per block, the fast direction; forward (data →
/// noise, the density) takes `D` sequential passes per block, and its backward `D` input-only
/// MADE backward passes plus one full one (see `AutoregressiveAffine.backward`).
public final class IAF: ChainedTransform {
    public let name: String
    /// The reversals and blocks in data → noise order.
    public let chain: Chain
    public let blocks: [AutoregressiveAffine]

    public init(
        name: String = "iaf", features: Int, blocks: Int = 5, hidden: Int, hiddenLayers: Int = 2, contextFeatures: Int = 0,
        degrees: MADEDegrees.Assignment = .sequential, activation: UnaryOp = .relu, logScaleBound: LogScaleBound = .unbounded,
        random: inout RandomStream, on device: any Device
    ) throws {
        self.name = name
        (chain, self.blocks) = try MADEStack.build(
            name: name, features: features, blocks: blocks, hidden: hidden, hiddenLayers: hiddenLayers, contextFeatures: contextFeatures,
            degrees: degrees, activation: activation, direction: .inverse, logScaleBound: logScaleBound, random: &random, on: device)
    }

    /// Mask nonzeros plus biases; `parameters` hold the dense count.
    public var freeParameterCount: Int { MADEStack.freeParameterCount(blocks) }
}
