import FlowRuntime

/// NICE (Dinh et al. 2015, arXiv:1410.8516, §5.1): `couplings` additive couplings
/// `y_b = x_b + m(x_a)` on alternating even/odd feature partitions, each `m` an MLP
/// `kept → hidden × hiddenLayers → transformed` (ReLU, last layer zero-initialised), followed by
/// the diagonal scaling `y = x ⊙ exp(s)`, the only volume change: `log|det J| = Σ s`. The defaults
/// are the paper's MNIST model (4 couplings, 5 hidden layers of 1000 units); the base here is
/// `N(0, I_D)` (the paper also used a logistic prior).
public struct NICE: Sendable, Equatable {
    public var features: Int
    public var couplings: Int
    public var hidden: Int
    public var hiddenLayers: Int
    public var contextFeatures: Int

    public init(features: Int, couplings: Int = 4, hidden: Int = 1000, hiddenLayers: Int = 5, contextFeatures: Int = 0) {
        self.features = features
        self.couplings = couplings
        self.hidden = hidden
        self.hiddenLayers = hiddenLayers
        self.contextFeatures = contextFeatures
    }

    /// Parameter names: `nice.coupling2.net.layer0.weight`, `nice.scaling.logScale`.
    public func makeFlow(name: String = "nice", random: inout RandomStream, on device: any Device) throws -> Flow {
        guard couplings >= 1, hidden >= 1, hiddenLayers >= 0 else {
            throw FlowError.invalidArgument(
                op: "NICE", detail: "couplings \(couplings), hidden \(hidden), hidden layers \(hiddenLayers): need positive sizes")
        }
        var transforms = try (0..<couplings).map { k -> any Bijector in
            let mask = try VectorMask(features: features, pattern: .alternating(conditionOnEven: k % 2 == 0), on: device)
            let sizes = [mask.kept.count] + Array(repeating: hidden, count: hiddenLayers) + [mask.transformed.count]
            return try AdditiveCoupling(
                name: "\(name).coupling\(k)", mask: mask,
                conditioner: MLP(
                    name: "\(name).coupling\(k).net", sizes: sizes, contextFeatures: contextFeatures, random: &random, on: device))
        }
        transforms.append(try DiagonalScaling(name: "\(name).scaling", features: features, on: device))
        return Flow(transforms: transforms, base: StandardNormal(eventShape: [features]))
    }
}
