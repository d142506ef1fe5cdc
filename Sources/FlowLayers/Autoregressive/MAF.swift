import FlowRuntime

/// Masked autoregressive flow (Papamakarios et al. 2017, arXiv:1705.07057):
/// `blocks` MADE-driven `AutoregressiveAffine(.masked)` transforms with the feature order reversed
/// before blocks 1…n−1. Per block, with `(μ, α) = MADE(x)`:
///
///     z = (x − μ) ⊙ exp(−α),   log|det ∂z/∂x| = −Σ α
///
/// Forward (data → noise, the density direction) is one pass per block; inverse (sampling) takes
/// `D` sequential passes per block.
public final class MAF: ChainedTransform {
    public let name: String
    /// The reversals and blocks in data → noise order.
    public let chain: Chain
    public let blocks: [AutoregressiveAffine]

    public init(
        name: String = "maf", features: Int, blocks: Int = 5, hidden: Int, hiddenLayers: Int = 2, contextFeatures: Int = 0,
        degrees: MADEDegrees.Assignment = .sequential, activation: UnaryOp = .relu, logScaleBound: LogScaleBound = .unbounded,
        random: inout RandomStream, on device: any Device
    ) throws {
        self.name = name
        (chain, self.blocks) = try MADEStack.build(
            name: name, features: features, blocks: blocks, hidden: hidden, hiddenLayers: hiddenLayers, contextFeatures: contextFeatures,
            degrees: degrees, activation: activation, direction: .masked, logScaleBound: logScaleBound, random: &random, on: device)
    }

    /// Mask nonzeros plus biases (208,240 for 16 features, 5 blocks, hidden 256; 918,400 for 64,
    /// 5, 512). `parameters` hold the dense count.
    public var freeParameterCount: Int { MADEStack.freeParameterCount(blocks) }
}
