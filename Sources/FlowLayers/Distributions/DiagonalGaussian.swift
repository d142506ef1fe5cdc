import FlowRuntime
import Foundation

/// A Gaussian with diagonal covariance over the event shape, `N(μ, diag(σ²))` with learnable `μ`
/// and `log σ` (Glow's learned prior, Kingma & Dhariwal 2018, arXiv:1807.03039, and the base of
/// conditional flows):
///
///     log p(z) = Σ_j [−½ ε_j² − log σ_j − ½ log 2π],   ε = (z − μ)/σ
///
/// Optionally conditioned on a context `[B, K]`: an MLP maps it to `2·D` values `(Δμ, Δlog σ)`
/// added per sample. The MLP's last layer starts at zero and `μ = log σ = 0`, so the distribution
/// starts as `N(0, I)`. Without a context the density is ActNorm's affine map followed by the
/// standard normal, so it reuses the fused `actNorm` op.
public final class DiagonalGaussian: BaseDistribution {
    public let name: String
    public let eventShape: [Int]
    public let mean: Parameter
    public let logStd: Parameter
    /// Context → `(Δμ, Δlog σ)`, or nil for an unconditional distribution.
    public let network: MLP?

    /// Unconditional `N(μ, diag(σ²))`, starting at `N(0, I)`.
    public convenience init(name: String = "DiagonalGaussian", eventShape: [Int], on device: any Device) throws {
        var unused = RandomStream(seed: 0)
        try self.init(name: name, eventShape: eventShape, contextFeatures: 0, random: &unused, on: device)
    }

    /// With `contextFeatures > 0`, conditioned through an MLP with the given hidden sizes.
    public init(
        name: String = "DiagonalGaussian", eventShape: [Int], contextFeatures: Int, hidden: [Int] = [32],
        random: inout RandomStream, on device: any Device
    ) throws {
        guard !eventShape.isEmpty, eventShape.allSatisfy({ $0 > 0 }), contextFeatures >= 0 else {
            throw FlowError.invalidArgument(
                op: "DiagonalGaussian(\(name))", detail: "event shape \(eventShape) and context features \(contextFeatures)")
        }
        self.name = name
        self.eventShape = eventShape
        mean = Parameter("\(name).mean", try Tensor.zeros(eventShape, on: device))
        logStd = Parameter("\(name).logStd", try Tensor.zeros(eventShape, on: device))
        let features = eventShape.reduce(1, *)
        network =
            contextFeatures == 0
            ? nil
            : try MLP(name: "\(name).net", sizes: [contextFeatures] + hidden + [2 * features], random: &random, on: device)
    }

    public var parameters: [Parameter] { [mean, logStd] + (network?.parameters ?? []) }
    private var features: Int { eventShape.reduce(1, *) }

    /// Per-sample `μ` and `log σ` as `[B, D]`, and the network's tape; nil without a network.
    private func conditioned(_ context: Tensor?, batch: Int) throws -> (mean: Tensor, logStd: Tensor, tape: any BijectorTape)? {
        guard let network else { return nil }
        guard let context, context.batch == batch else {
            throw FlowError.shapeMismatch(
                op: name,
                detail: "context \(context?.shape.description ?? "nil") for a batch of \(batch): this distribution is conditional")
        }
        let (output, tape) = try network.forward(context, context: nil)
        let parts = try output.split([features, features])
        return (try parts[0].applying(.add, flat(mean)), try parts[1].applying(.add, flat(logStd)), tape)
    }

    public func logProb(_ z: Tensor, context: Tensor?) throws -> Tensor {
        let flatZ = try checked(z)
        guard let (mean, logStd, _) = try conditioned(context, batch: z.batch) else {
            let (epsilon, logDet) = try flatZ.actNorm(loc: flat(self.mean), logScale: flat(self.logStd))
            return try epsilon.normalLogProb().adding(logDet)
        }
        let epsilon = try flatZ.subtracting(mean).multiplying(logStd.scaled(by: -1).unary(.exp))
        return try epsilon.normalLogProb().subtracting(logStd.perSampleSum())
    }

    /// With `g` = ∂L/∂log p per sample: `∂L/∂z = −g·ε/σ`, `∂L/∂μ = g·ε/σ`, `∂L/∂log σ = g·(ε² − 1)`;
    /// per-sample values are summed over the batch for `μ` and `log σ` and fed to the network.
    public func logProbBackward(_ z: Tensor, context: Tensor?, gradLogProb: Tensor) throws -> BijectorGradients {
        let flatZ = try checked(z)
        guard let (mean, logStd, tape) = try conditioned(context, batch: z.batch), let network else {
            let (epsilon, _) = try flatZ.actNorm(loc: flat(self.mean), logScale: flat(self.logStd))
            let grads = try Tensor.actNormBackward(
                input: flatZ, loc: flat(self.mean), logScale: flat(self.logStd),
                gradOutput: epsilon.scaled(by: -1).multiplyingRows(by: gradLogProb), gradLogDet: gradLogProb)
            try self.mean.accumulate(grads.loc.reshaped(eventShape))
            try self.logStd.accumulate(grads.logScale.reshaped(eventShape))
            return BijectorGradients(input: try grads.input.reshaped(z.shape), context: nil)
        }
        let inverseStd = try logStd.scaled(by: -1).unary(.exp)
        let epsilon = try flatZ.subtracting(mean).multiplying(inverseStd)
        let gradMean = try epsilon.multiplying(inverseStd).multiplyingRows(by: gradLogProb)
        let gradLogStd = try epsilon.multiplying(epsilon).affine(scale: 1, shift: -1).multiplyingRows(by: gradLogProb)
        try self.mean.accumulate(gradMean.featureSum().reshaped(eventShape))
        try self.logStd.accumulate(gradLogStd.featureSum().reshaped(eventShape))
        let networkGrads = try network.backward(tape, gradOutput: Tensor.concat([gradMean, gradLogStd]))
        return BijectorGradients(input: try gradMean.scaled(by: -1).reshaped(z.shape), context: networkGrads.input)
    }

    /// `z = μ + temperature·σ·ε`, `ε ~ N(0, I)`; a conditional distribution needs a context of `count` rows.
    public func sample(
        count: Int, context: Tensor?, random: inout RandomStream, temperature: Float, on device: any Device
    ) throws -> Tensor {
        var noise = try random.next([count, features], .normal, on: device)
        if temperature != 1 { noise = try noise.scaled(by: temperature) }
        guard let (mean, logStd, _) = try conditioned(context, batch: count) else {
            let (z, _) = try noise.actNorm(loc: flat(self.mean), logScale: flat(self.logStd), inverse: true)
            return try z.reshaped([count] + eventShape)
        }
        return try noise.multiplying(logStd.unary(.exp)).adding(mean).reshaped([count] + eventShape)
    }

    private func flat(_ parameter: Parameter) throws -> Tensor { try parameter.value.reshaped([features]) }

    private func checked(_ z: Tensor) throws -> Tensor {
        guard Array(z.shape.dropFirst()) == eventShape else {
            throw FlowError.shapeMismatch(op: "\(name).logProb", detail: "latent \(z.shape), expected [B] + \(eventShape)")
        }
        return try z.flattenedBatch()
    }
}
