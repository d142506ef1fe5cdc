import FlowRuntime

/// Autoregressive neural spline flow (Durkan et al. 2019, arXiv:1906.04032, §3.2; `"nsf-ar"`):
/// MAF's layout (`MADEStack`: the feature order reversed before every block but the first) with
/// `AutoregressiveSpline` blocks, each driven by its own MADE
/// `D → hidden × hiddenLayers → D·(3·bins − 1)` (ReLU, sequential degrees, last layer at zero, so
/// every block starts near the identity). The density takes one pass per block and sampling `D`.
/// The base is `N(0, I_D)`.
public struct AutoregressiveNeuralSplineFlow: Sendable, Equatable {
    public var features: Int
    public var blocks: Int
    public var hidden: Int
    public var hiddenLayers: Int
    public var bins: Int
    public var tailBound: Float
    public var contextFeatures: Int

    public init(
        features: Int, blocks: Int, hidden: Int, hiddenLayers: Int = 2, bins: Int = 8, tailBound: Float = 5, contextFeatures: Int = 0
    ) {
        self.features = features
        self.blocks = blocks
        self.hidden = hidden
        self.hiddenLayers = hiddenLayers
        self.bins = bins
        self.tailBound = tailBound
        self.contextFeatures = contextFeatures
    }

    public var splineOptions: SplineOptions { SplineOptions(bins: bins, bound: tailBound) }

    /// Parameter names: `nsfar.block2.made.layer1.weight`.
    public func makeFlow(name: String = "nsfar", random: inout RandomStream, on device: any Device) throws -> Flow {
        guard blocks >= 1, hidden >= 1, hiddenLayers >= 0, bins >= 1, tailBound.isFinite, tailBound > 0 else {
            throw FlowError.invalidArgument(
                op: "AutoregressiveNeuralSplineFlow",
                detail: "blocks \(blocks), hidden \(hidden), hidden layers \(hiddenLayers), bins \(bins), tail bound \(tailBound): "
                    + "need positive sizes and a finite positive bound")
        }
        let options = splineOptions
        var transforms: [any Bijector] = []
        for index in 0..<blocks {
            if index > 0 { transforms.append(try Permutation.reversal(name: "\(name).reverse\(index)", features: features, on: device)) }
            let made = try MADE(
                name: "\(name).block\(index).made", features: features, hidden: Array(repeating: hidden, count: hiddenLayers),
                contextFeatures: contextFeatures, outputsPerFeature: options.parametersPerElement, outputLayout: .featureMajor,
                random: &random, on: device)
            transforms.append(try AutoregressiveSpline(name: "\(name).block\(index)", made: made, options: options))
        }
        return Flow(transforms: transforms, base: StandardNormal(eventShape: [features]))
    }
}
