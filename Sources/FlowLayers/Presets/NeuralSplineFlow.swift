import FlowRuntime
import Foundation

/// Neural spline flow for vectors (Durkan et al. 2019, arXiv:1906.04032, §3.1 coupling form):
/// `layers` rational-quadratic spline couplings laid out exactly like `RealNVP` — layer `k`
/// (data → noise order) conditions on the first half of the features when `k` is even and on the
/// second half when odd, with no normalisation or permutation layers, so the two presets differ
/// only in the transformer. Each conditioner is an MLP
/// `kept → hidden → … → transformed·(3·bins − 1)` (ReLU, last layer zero-initialised, so every
/// coupling starts near the identity); outside `[−tailBound, tailBound]` each spline is the
/// identity. The base is `N(0, I_D)`.
///
/// With `affine`, each spline coupling is preceded (data → noise) by a RealNVP affine coupling on
/// the same split, with its own MLP: `y_b = RQS(b ⊙ exp(tanh h_s) + h_t)`. The spline is the
/// identity outside `[−B, B]`, so it cannot move a point the data put there; the affine coupling
/// can, shifting and scaling each transformed feature given the kept ones before the spline shapes
/// it. That is what heavy conditional tails need (banana's `x₁ | x₂ ~ N(x₂²/4, 1)`: its tail
/// beyond any fixed B is a shift away from the bulk).
public struct NeuralSplineFlow: Sendable, Equatable {
    public var features: Int
    public var layers: Int
    public var hidden: Int
    public var hiddenLayers: Int
    public var bins: Int
    public var tailBound: Float
    public var contextFeatures: Int
    /// An affine coupling before every spline coupling (see above).
    public var affine: Bool

    public init(
        features: Int, layers: Int, hidden: Int, hiddenLayers: Int = 2, bins: Int = 8, tailBound: Float = 5,
        contextFeatures: Int = 0, affine: Bool = false
    ) {
        self.features = features
        self.layers = layers
        self.hidden = hidden
        self.hiddenLayers = hiddenLayers
        self.bins = bins
        self.tailBound = tailBound
        self.contextFeatures = contextFeatures
        self.affine = affine
    }

    /// The spline shape of every coupling (the op's default minimum bin sizes and slope).
    public var splineOptions: SplineOptions { SplineOptions(bins: bins, bound: tailBound) }

    /// Parameter names: `nsf.coupling3.net.layer1.weight`, and with `affine` also
    /// `nsf.coupling3.affine.net.layer1.weight`.
    public func makeFlow(name: String = "nsf", random: inout RandomStream, on device: any Device) throws -> Flow {
        guard layers >= 1, hidden >= 1, hiddenLayers >= 0, bins >= 1, tailBound.isFinite, tailBound > 0 else {
            throw FlowError.invalidArgument(
                op: "NeuralSplineFlow",
                detail: "layers \(layers), hidden \(hidden), hidden layers \(hiddenLayers), bins \(bins), tail bound \(tailBound): "
                    + "need positive sizes and a finite positive bound")
        }
        let options = splineOptions
        let couplings = try (0..<layers).flatMap { k -> [any Bijector] in
            let mask = try VectorMask(features: features, pattern: .half(conditionOnFirst: k % 2 == 0), on: device)
            let hiddenSizes = Array(repeating: hidden, count: hiddenLayers)
            var steps: [any Bijector] = []
            if affine {
                steps.append(
                    AffineCoupling(
                        name: "\(name).coupling\(k).affine", mask: mask,
                        conditioner: try MLP(
                            name: "\(name).coupling\(k).affine.net", sizes: [mask.kept.count] + hiddenSizes + [2 * mask.transformed.count],
                            contextFeatures: contextFeatures, random: &random, on: device),
                        scale: .expTanh, order: .scaleThenShift, shiftFirst: false))
            }
            let net = try MLP(
                name: "\(name).coupling\(k).net",
                sizes: [mask.kept.count] + hiddenSizes + [mask.transformed.count * options.parametersPerElement],
                contextFeatures: contextFeatures, random: &random, on: device)
            if affine { try Self.startAtIdentity(net, options: options) }
            steps.append(SplineCoupling(name: "\(name).coupling\(k)", mask: mask, conditioner: net, options: options))
            return steps
        }
        return Flow(transforms: couplings, base: StandardNormal(eventShape: [features]))
    }

    /// Sets the output bias of a spline coupling's conditioner (whose last weights start at zero)
    /// so that every interior knot's slope is exactly 1: with equal bins and unit slopes the
    /// rational-quadratic spline is the identity. Used with `affine`, so that the flow starts as
    /// its affine couplings alone (a RealNVP) and the splines only learn what those leave; with
    /// the default zero bias the interior slopes start at `minDerivative + log 2` ≈ 0.69 instead.
    /// Measured on banana (README): KL 0.00036 nats with this start against 0.00042 without,
    /// mean of five seeds.
    static func startAtIdentity(_ net: MLP, options: SplineOptions) throws {
        guard let bias = net.layers.last?.bias else { return }
        let per = options.parametersPerElement
        let unitSlope = Float(log(expm1(Double(1 - options.minDerivative))))
        let values = (0..<bias.value.count).map { i in i % per >= 2 * options.bins ? unitSlope : 0 }
        bias.value = try Tensor(values, shape: bias.shape, on: bias.device)
    }
}
