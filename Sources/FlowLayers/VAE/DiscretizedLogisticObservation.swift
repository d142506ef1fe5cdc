import FlowRuntime

/// Integer data `k ∈ {0, …, L−1}` under a discretised logistic per feature (PixelCNN++, Salimans
/// et al. 2017, arXiv:1701.05517, with one component): the data are rescaled to
/// `x̃ = 2k/(L−1) − 1 ∈ [−1, 1]`, each level owns the bin `x̃ ± w` with `w = 1/(L−1)`, and the
/// edge bins extend to ±∞, so the L probabilities sum to one exactly. The decoder emits the
/// location `μ` and log-scale `b` (`s = e^b`) per feature, `[B, 2D]` (all μ, then all b). With
/// `a⁺ = (x̃ + w − μ)/s`, `a⁻ = (x̃ − w − μ)/s` and `δ = a⁺ − a⁻ = 2w/s`:
///
///     P(k) = σ(a⁺)                 k = 0
///          = 1 − σ(a⁻) = σ(−a⁻)    k = L − 1
///          = σ(a⁺) − σ(a⁻)         otherwise, computed as σ(a⁺)·σ(−a⁻)·(1 − e^{−δ})
///
/// (an identity of the logistic function; its log is a sum of three stable terms, never the log of
/// a difference of two nearly equal numbers). The log-likelihood is the log-probability of the
/// discrete data in nats, so a VAE's ELBO under it bounds `log P(k)` with no dequantization.
/// Limit: for scales beyond about 10⁶ bin widths `1 − e^{−δ}` rounds to 0 in float32, so an
/// interior level's log-probability is −inf there (the edge levels do not use that term).
public final class DiscretizedLogisticObservation: ObservationModel {
    public let name: String
    public let levels: Int

    public init(name: String = "discretizedLogistic", levels: Int) throws {
        guard levels >= 2 else {
            throw FlowError.invalidArgument(op: "DiscretizedLogisticObservation(\(name))", detail: "need at least 2 levels, got \(levels)")
        }
        self.name = name
        self.levels = levels
    }

    public var parameters: [Parameter] { [] }
    public var parametersPerFeature: Int { 2 }
    /// Half a bin in the rescaled units.
    var halfBin: Float { 1 / Float(levels - 1) }
    public var encoderInputScale: Float { 2 / Float(levels - 1) }
    public var encoderInputShift: Float { -1 }

    struct Tape: BijectorTape {
        var inverseScale, plus, minus, width, logBin: Tensor
        /// 1 where the level is not the top one, not the bottom one, and neither.
        var notTop, notBottom, interior: Tensor
    }

    public func logLikelihood(_ x: Tensor, parameters: Tensor) throws -> (logLikelihood: Tensor, tape: any BijectorTape) {
        guard x.rank == 2, parameters.shape == [x.batch, 2 * x.shape[1]] else {
            throw FlowError.shapeMismatch(op: "\(name).logLikelihood", detail: "parameters \(parameters.shape) for data \(x.shape): need [B, 2D] for [B, D]")
        }
        let parts = try parameters.split([x.shape[1], x.shape[1]])
        let (location, logScale) = (parts[0], parts[1])
        // Which bin kind each value is in, from the data on the host: the runtime has no comparison
        // op, and the masks must not depend on x differentiably (the bins are fixed by the level).
        let values = try x.toArray()
        let top = Float(levels) - 1.5
        let notTop = try Tensor(values.map { $0 < top ? 1 : 0 }, shape: x.shape, on: x.device)
        let notBottom = try Tensor(values.map { $0 > 0.5 ? 1 : 0 }, shape: x.shape, on: x.device)
        let interior = try notTop.multiplying(notBottom)

        let inverseScale = try logScale.scaled(by: -1).unary(.exp)
        let centred = try x.affine(scale: encoderInputScale, shift: encoderInputShift).subtracting(location)
        let plus = try centred.affine(scale: 1, shift: halfBin).multiplying(inverseScale)
        let minus = try centred.affine(scale: 1, shift: -halfBin).multiplying(inverseScale)
        let width = try inverseScale.scaled(by: 2 * halfBin)
        // log(1 − e^{−δ}) for interior levels, log 1 = 0 for the edge ones, which do not use it: for
        // scales beyond ~10⁶ bins it is log 0 = −inf, and the mask's 0 · (−inf) would be NaN.
        let logBin = try width.scaled(by: -1).unary(.exp).multiplying(interior).affine(scale: -1, shift: 1).unary(.log)
        // log σ(a⁺) = −softplus(−a⁺), log σ(−a⁻) = −softplus(a⁻).
        let logBelowUpper = try plus.scaled(by: -1).unary(.softplus).scaled(by: -1)
        let logAboveLower = try minus.unary(.softplus).scaled(by: -1)
        let terms = try notTop.multiplying(logBelowUpper).adding(notBottom.multiplying(logAboveLower)).adding(interior.multiplying(logBin))
        let tape = Tape(
            inverseScale: inverseScale, plus: plus, minus: minus, width: width, logBin: logBin, notTop: notTop, notBottom: notBottom, interior: interior)
        return (try terms.perSampleSum(), tape)
    }

    /// With `A = ∂/∂a⁺ = [k ≠ L−1]·σ(−a⁺)`, `C = ∂/∂a⁻ = −[k ≠ 0]·σ(a⁻)` and
    /// `Δ = ∂/∂δ = [interior]·e^{−δ}/(1 − e^{−δ})`: `∂/∂μ = −(A + C)/s`,
    /// `∂/∂b = −(a⁺A + a⁻C + δΔ)`, and `∂/∂k = (2/(L−1))·(A + C)/s`.
    public func backward(_ tape: any BijectorTape, gradLogLikelihood: Tensor) throws -> (parameters: Tensor, data: Tensor) {
        guard let tape = tape as? Tape else { throw FlowError.invalidArgument(op: "\(name).backward", detail: "tape is not from this model") }
        let perFeature = try gradLogLikelihood.broadcastRows(columns: tape.plus.shape[1])
        let a = try tape.notTop.multiplying(tape.plus.scaled(by: -1).unary(.sigmoid))
        let c = try tape.notBottom.multiplying(tape.minus.unary(.sigmoid)).scaled(by: -1)
        // e^{−δ}/(1 − e^{−δ}) = exp(−δ − log(1 − e^{−δ})), finite wherever the forward was.
        let d = try tape.interior.multiplying(tape.width.scaled(by: -1).subtracting(tape.logBin).unary(.exp))
        let sum = try a.adding(c).multiplying(tape.inverseScale).multiplying(perFeature)
        let gradLogScale = try tape.plus.multiplying(a).adding(tape.minus.multiplying(c)).adding(tape.width.multiplying(d))
            .multiplying(perFeature).scaled(by: -1)
        return (try Tensor.concat([sum.scaled(by: -1), gradLogScale]), try sum.scaled(by: encoderInputScale))
    }

    /// The location `μ` in level units, clamped to `[0, L−1]` (`relu(y) − relu(y − (L−1))`): the
    /// median of the underlying continuous logistic, whose bin is the most likely level.
    public func location(_ parameters: Tensor) throws -> Tensor {
        guard parameters.rank == 2, parameters.shape[1] % 2 == 0 else {
            throw FlowError.shapeMismatch(op: "\(name).location", detail: "parameters \(parameters.shape): need [B, 2D]")
        }
        let top = Float(levels - 1)
        let level = try parameters.split([parameters.shape[1] / 2, parameters.shape[1] / 2])[0].affine(scale: top / 2, shift: top / 2)
        return try level.unary(.relu).subtracting(level.affine(scale: 1, shift: -top).unary(.relu))
    }

    /// Integer levels in `[0, L − 1]` only: the bins' probabilities are those of the levels.
    public func inSupport(_ x: Tensor) throws -> [Bool] {
        let top = Float(levels - 1)
        return try x.rowsSatisfying { $0 >= 0 && $0 <= top && $0 == $0.rounded() }
    }

    /// The nearest level (host round trip, for finished samples).
    public func quantize(_ x: Tensor) throws -> Tensor {
        let top = Float(levels - 1)
        return try Tensor(x.toArray().map { min(max($0.rounded(), 0), top) }, shape: x.shape, on: x.device)
    }
}
