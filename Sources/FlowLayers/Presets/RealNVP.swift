import FlowRuntime

/// RealNVP for vectors (Dinh et al. 2017, arXiv:1605.08803): `layers` affine
/// couplings, layer `k` (data → noise order) conditioning on the first half of the features when
/// `k` is even and on the second half when odd,
///
///     y_b = x_b ⊙ exp(tanh h_scale) + h_shift,   log|det J| = Σ tanh h_scale
///
/// with `h = (h_scale, h_shift)` from an MLP `kept → hidden → … → 2·transformed` (ReLU, last layer
/// zero-initialised). No normalisation or permutation layers: only the masks alternate. The base
/// is `N(0, I_D)`.
public struct RealNVP: Sendable, Equatable {
    public var features: Int
    public var layers: Int
    public var hidden: Int
    public var hiddenLayers: Int
    public var contextFeatures: Int

    public init(features: Int, layers: Int, hidden: Int, hiddenLayers: Int = 2, contextFeatures: Int = 0) {
        self.features = features
        self.layers = layers
        self.hidden = hidden
        self.hiddenLayers = hiddenLayers
        self.contextFeatures = contextFeatures
    }

    /// Parameter names: `realnvp.coupling3.net.layer1.weight`.
    public func makeFlow(name: String = "realnvp", random: inout RandomStream, on device: any Device) throws -> Flow {
        guard layers >= 1, hidden >= 1, hiddenLayers >= 0 else {
            throw FlowError.invalidArgument(
                op: "RealNVP", detail: "layers \(layers), hidden \(hidden), hidden layers \(hiddenLayers): need positive sizes")
        }
        let couplings = try (0..<layers).map { k -> any Bijector in
            let mask = try VectorMask(features: features, pattern: .half(conditionOnFirst: k % 2 == 0), on: device)
            let sizes = [mask.kept.count] + Array(repeating: hidden, count: hiddenLayers) + [2 * mask.transformed.count]
            return try AffineCoupling(
                name: "\(name).coupling\(k)", mask: mask,
                conditioner: MLP(
                    name: "\(name).coupling\(k).net", sizes: sizes, contextFeatures: contextFeatures, random: &random, on: device),
                scale: .expTanh, order: .scaleThenShift, shiftFirst: false)
        }
        return Flow(transforms: couplings, base: StandardNormal(eventShape: [features]))
    }
}
