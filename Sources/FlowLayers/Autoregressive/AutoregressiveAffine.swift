import FlowRuntime

/// Which side of the map the conditioner reads, which decides the fast direction.
public enum AutoregressiveDirection: Sendable, Equatable {
    /// MAF (Papamakarios et al. 2017, arXiv:1705.07057): `(μ, α) = f(x)` from the data, so the
    /// density direction takes one pass and sampling one pass per autoregressive unit.
    case masked
    /// IAF (Kingma et al. 2016, arXiv:1606.04934): `(μ, α) = f(z)` from the noise, so sampling
    /// takes one pass and the density direction one pass per autoregressive unit.
    case inverse
}

/// The autoregressive affine transform of MAF and IAF, for any `AutoregressiveConditioner` `f`
/// (MADE on vectors, PixelCNN on images, WaveNet on sequences). Data `x` and noise `z` satisfy
///
///     z = (x − μ) ⊙ exp(−α),   x = z ⊙ exp(α) + μ,   log|det ∂z/∂x| = −Σ α
///
/// with `(μ, α) = f(x)` (`.masked`, MAF) or `(μ, α) = f(z)` (`.inverse`, IAF). `α` is the
/// conditioner's output as it stands (`logScaleBound: .unbounded`, the paper's) or softly clamped to
/// `(−c, c)` (`.tanh(c)`, see `LogScaleBound`). The Jacobian is triangular in the conditioner's
/// unit order with diagonal `exp(−α)`.
///
/// Where `exp(±α)` overflows (unbounded `α` far from the data), `z` holds ±inf, or NaN where an
/// infinite scale meets `x − μ = 0`: the point's state has left Float's range, and
/// `Flow.logProb` reports −inf for it instead of feeding the next block (`RangeMonitor`).
///
/// Forward (data → noise): one pass for MAF; for IAF `n` sequential passes `z ← (x − μ(z))·exp(−α(z))`
/// from `z = 0`, where `n = f.sequentialPasses` (pass `k` makes unit `k` exact).
/// Inverse (noise → data): one pass for IAF; for MAF `n` passes `x ← z·exp(α(x)) + μ(x)` from `x = 0`.
public final class AutoregressiveAffine: Bijector {
    public let name: String
    public let conditioner: any AutoregressiveConditioner
    public let direction: AutoregressiveDirection
    /// MAF's inverse through a MADE evaluates the network incrementally, one degree block per pass
    /// (`MADE.incrementalInverse`), instead of `D` full passes. Off only to test one against the other.
    public var useIncrementalInverse = true
    /// How the conditioner's raw output becomes `α`.
    public let logScaleBound: LogScaleBound

    public init(
        name: String = "AutoregressiveAffine", conditioner: any AutoregressiveConditioner, direction: AutoregressiveDirection = .masked,
        logScaleBound: LogScaleBound = .unbounded
    ) {
        self.name = name
        self.conditioner = conditioner
        self.direction = direction
        self.logScaleBound = logScaleBound
    }

    public var parameters: [Parameter] { conditioner.parameters }

    struct Tape: BijectorTape {
        var noise: Tensor
        /// `x − μ = z ⊙ exp(α)` and `exp(−α)`.
        var centred: Tensor
        var inverseScale: Tensor
        /// `α` when it is bounded (its slope `∂α/∂a` is computed from it in the backward), else nil.
        var boundedLogScale: Tensor?
        var passes: Int
        /// The conditioner at `x` (MAF) or at `z` (IAF).
        var conditionerTape: any BijectorTape
    }

    public func forward(_ x: Tensor, context: Tensor?) throws -> (result: BijectorResult, tape: any BijectorTape) {
        let passes = conditioner.sequentialPasses(eventShape: Array(x.shape.dropFirst()))
        var step: Step
        switch direction {
        case .masked:
            step = try toNoise(x, conditionedOn: x, context: context)
        case .inverse:
            // Every output reads only earlier units, so after the last pass the conditioner's input
            // differs from the final z only in the last unit, which nothing reads: its (μ, α) and
            // its tape are those at z, and no extra pass is needed for the backward.
            var z = try x.zerosLike()
            step = try toNoise(x, conditionedOn: z, context: context)
            for _ in 1..<max(1, passes) {
                z = step.noise
                step = try toNoise(x, conditionedOn: z, context: context)
            }
        }
        let tape = Tape(
            noise: step.noise, centred: step.centred, inverseScale: step.inverseScale,
            boundedLogScale: logScaleBound.isBounded ? step.logScale : nil, passes: passes, conditionerTape: step.tape)
        return (BijectorResult(output: step.noise, logDet: step.logDet), tape)
    }

    public func inverse(_ z: Tensor, context: Tensor?) throws -> BijectorResult {
        switch direction {
        case .inverse:
            return try toData(z, conditionedOn: z, context: context)
        case .masked:
            if useIncrementalInverse, let made = conditioner as? MADE,
                let result = try made.incrementalInverse(z, context: context, logScaleBound: logScaleBound)
            {
                return result
            }
            let passes = conditioner.sequentialPasses(eventShape: Array(z.shape.dropFirst()))
            var result = try toData(z, conditionedOn: z.zerosLike(), context: context)
            for _ in 1..<max(1, passes) { result = try toData(z, conditionedOn: result.output, context: context) }
            return result
        }
    }

    /// With `g_z = ∂L/∂z`, `g_l = ∂L/∂logDet` and `w = ∂L/∂x` through `z`, both directions give the
    /// conditioner the cotangent `(∂L/∂μ, ∂L/∂α) = (−w, −(w ⊙ (x − μ) + g_l))`, the second
    /// times `∂α/∂a = 1 − (α/c)²` when `α` is bounded.
    ///
    /// MAF: `w = g_z ⊙ exp(−α)` directly, and `∂L/∂x = w + fᵀ(cotangent)` (the conditioner reads x).
    ///
    /// IAF: `z` is defined implicitly by `x = g(z) = z ⊙ exp(α(z)) + μ(z)`, so `∂L/∂x = J_gᵀ⁻¹ ū`
    /// with `ū` the total gradient at `z`. Written out, `w = ∂L/∂x` solves
    /// `w = exp(−α) ⊙ (g_z + f_zᵀ(cotangent(w)))`, a triangular system in the reversed unit order
    /// (unit `i` needs `w` of later units only); `n` fixed-point sweeps from `w = 0` solve it
    /// exactly, each one input-only vector–Jacobian product. The parameters and the context then
    /// get `fᵀ(cotangent(w))` once, as for MAF.
    public func backward(_ tape: any BijectorTape, gradOutput: Tensor, gradLogDet: Tensor) throws -> BijectorGradients {
        let tape = try self.tape(tape, as: Tape.self)
        let slope = try tape.boundedLogScale.flatMap(logScaleBound.slope)
        switch direction {
        case .masked:
            let w = try gradOutput.multiplying(tape.inverseScale)
            // For MAF, w ⊙ (x − μ) = g_z ⊙ z.
            let grads = try conditioner.backward(
                tape.conditionerTape, gradOutput: cotangent(w, gradOutput.multiplying(tape.noise), gradLogDet, slope: slope))
            return BijectorGradients(input: try w.adding(grads.input), context: grads.context)
        case .inverse:
            var w = try gradOutput.zerosLike()
            for _ in 0..<max(1, tape.passes) {
                let pulled = try conditioner.inputGradient(
                    tape.conditionerTape, gradOutput: cotangent(w, w.multiplying(tape.centred), gradLogDet, slope: slope))
                w = try gradOutput.adding(pulled).multiplying(tape.inverseScale)
            }
            let grads = try conditioner.backward(
                tape.conditionerTape, gradOutput: cotangent(w, w.multiplying(tape.centred), gradLogDet, slope: slope))
            return BijectorGradients(input: w, context: grads.context)
        }
    }

    /// `(−w, −(scaled + g_l))` joined along axis 1, `g_l` broadcast over each sample's elements;
    /// the second part times `slope` (`∂α/∂a`) when the log-scale is bounded.
    private func cotangent(_ w: Tensor, _ scaled: Tensor, _ gradLogDet: Tensor, slope: Tensor?) throws -> Tensor {
        let perSample = try scaled.reshaped([1, scaled.batch, scaled.batch == 0 ? 0 : scaled.count / scaled.batch])
        var logScaleGrad = try perSample.applying(.add, gradLogDet).reshaped(scaled.shape).scaled(by: -1)
        if let slope { logScaleGrad = try logScaleGrad.multiplying(slope) }
        return try Tensor.concat([w.scaled(by: -1), logScaleGrad])
    }

    /// One data → noise pass: the noise, what the backward needs, the log-det and `α`.
    struct Step {
        var noise: Tensor
        var centred: Tensor
        var inverseScale: Tensor
        var logDet: Tensor
        var logScale: Tensor
        var tape: any BijectorTape
    }

    /// One pass data → noise with `(μ, α) = f(source)`.
    func toNoise(_ x: Tensor, conditionedOn source: Tensor, context: Tensor?) throws -> Step {
        let (output, tape) = try conditioner.forward(source, context: context)
        let (shift, rawLogScale) = try conditioner.shiftAndLogScale(output)
        let logScale = try logScaleBound.apply(rawLogScale)
        let centred = try x.subtracting(shift)
        let inverseScale = try logScale.scaled(by: -1).unary(.exp)
        let logDet = try logScale.perSampleSum().scaled(by: -1)
        return Step(
            noise: try centred.multiplying(inverseScale), centred: centred, inverseScale: inverseScale, logDet: logDet, logScale: logScale,
            tape: tape)
    }

    /// One pass noise → data with `(μ, α) = f(source)`; the log-det is `+Σ α`.
    private func toData(_ z: Tensor, conditionedOn source: Tensor, context: Tensor?) throws -> BijectorResult {
        let (output, _) = try conditioner.forward(source, context: context)
        let (shift, rawLogScale) = try conditioner.shiftAndLogScale(output)
        let logScale = try logScaleBound.apply(rawLogScale)
        let x = try z.multiplying(logScale.unary(.exp)).adding(shift)
        return BijectorResult(output: x, logDet: try logScale.perSampleSum())
    }
}

/// The range rule for IAF's density direction. Its `n` passes start from `z = 0`, and after pass
/// `k` only the first `k` units are exact: the later ones are provisional, may be anything, and
/// the next pass reads them. Where a provisional value overflows (an `exp(−α)` of a garbage `α`),
/// the conditioner multiplies it by its masked-out zero weights, `0 · inf = NaN`, and that NaN
/// reaches the exact units too, although the solution itself may be an ordinary finite point
/// (a sample the model drew, for instance). Checked evaluation therefore hands the next pass
/// zeros in place of provisional values outside the range: an exact unit is recomputed from the
/// exact units before it at every pass, so the result is unchanged wherever it was finite, and a
/// unit whose exact value is itself out of range stays so in the output, which is checked.
extension AutoregressiveAffine: StagedTransform {
    public func forward(_ x: Tensor, context: Tensor?, monitor: RangeMonitor) throws -> BijectorResult {
        guard direction == .inverse, monitor.mode == .enforce else { return try monitor.admit(transform(x, context: context)) }
        let passes = conditioner.sequentialPasses(eventShape: Array(x.shape.dropFirst()))
        var step = try toNoise(x, conditionedOn: x.zerosLike(), context: context)
        for _ in 1..<max(1, passes) {
            step = try toNoise(x, conditionedOn: Self.withinRange(step.noise), context: context)
        }
        return try monitor.admit(BijectorResult(output: step.noise, logDet: step.logDet))
    }

    /// `z` with every element that is not finite, or whose square is not, replaced by 0 (the
    /// tensor itself when there is none: a host round trip, in checked evaluation only).
    static func withinRange(_ z: Tensor) throws -> Tensor {
        var values = try z.toArray()
        var changed = false
        for index in values.indices where !(values[index] * values[index]).isFinite {
            values[index] = 0
            changed = true
        }
        return changed ? try Tensor(values, shape: z.shape, on: z.device) : z
    }
}
