import FlowCore
import Foundation

/// One element of the Flow++ logistic-mixture transformer, in Float, written to match
/// `Kernels/mixture.cl` operation for operation (the same clamps, component order and running
/// log-sum-exps), so both backends agree to the rounding of `exp`/`log`.
///
/// Everything is computed in the log domain: `log F` and `log(1 − F)` are log-sum-exps of
/// `log softmax(π)_k + log σ(±z_k)` with `log σ(t) = −softplus(−t)`, so `σ⁻¹(F) = log F − log(1 − F)`
/// never subtracts two probabilities near 1 and stays finite for |z| far beyond float's `σ` range.
enum LogisticMixtureMath {
    /// A running log-sum-exp in a fixed order: `max` so far and `Σ exp(t − max)`.
    struct LogSumExp {
        var top: Float = -.infinity
        var sum: Float = 0

        @inline(__always)
        mutating func add(_ t: Float) {
            if t > top {
                sum = sum * Foundation.exp(top - t) + 1
                top = t
            } else {
                sum += Foundation.exp(t - top)
            }
        }

        var value: Float { top + Foundation.log(sum) }
    }

    /// `log Σ_k exp(π_k)`, for the log-softmax weights.
    @inline(__always)
    static func logNormalizer(_ p: UnsafePointer<Float>, _ k: Int) -> Float {
        var acc = LogSumExp()
        for i in 0..<k { acc.add(p[i]) }
        return acc.value
    }

    /// Component `i`'s clamped log-scale.
    @inline(__always)
    static func logScale(_ p: UnsafePointer<Float>, _ k: Int, _ minLogScale: Float, _ i: Int) -> Float {
        Float.maximum(p[2 * k + i], minLogScale)
    }

    /// `log F`, `log(1 − F)` and (with `density`) `log F′` at `x`. `log F` is clamped to ≤ 0 (and
    /// `log(1 − F)` likewise): rounding in the log-sum-exp can leave a value a few ulps above 0
    /// when `F` is within rounding of 0 or 1.
    @inline(__always)
    static func evaluate(_ p: UnsafePointer<Float>, _ k: Int, _ minLogScale: Float, _ x: Float, density: Bool)
        -> (logF: Float, log1mF: Float, logDensity: Float)
    {
        let norm = logNormalizer(p, k)
        var (lower, upper, pdf) = (LogSumExp(), LogSumExp(), LogSumExp())
        for i in 0..<k {
            let s = logScale(p, k, minLogScale, i)
            let z = (x - p[k + i]) * Foundation.exp(-s)
            let w = p[i] - norm
            let logSigma = -CPUKernels.softplus(-z)
            let logSigmaNeg = -CPUKernels.softplus(z)
            lower.add(w + logSigma)
            upper.add(w + logSigmaNeg)
            // σ′(z) = σ(z)·σ(−z), and dz/dx = exp(−s).
            if density { pdf.add(w + logSigma + logSigmaNeg - s) }
        }
        return (Float.minimum(lower.value, 0), Float.minimum(upper.value, 0), density ? pdf.value : 0)
    }

    /// Forward or inverse of one element: (output, log-det term).
    @inline(__always)
    static func apply(_ p: UnsafePointer<Float>, _ o: LogisticMixtureOptions, inverse: Bool, _ v: Float) -> (Float, Float) {
        let k = o.components
        let (a, b) = (o.affineLogScale(p[3 * k]), p[3 * k + 1])
        let x = inverse ? solve(p, o, v) : v
        let e = evaluate(p, k, o.minLogScale, x, density: true)
        let logSlope = e.logDensity - e.logF - e.log1mF + a
        guard !inverse else { return (x, -logSlope) }
        return ((e.logF - e.log1mF) * Foundation.exp(a) + b, logSlope)
    }

    /// The `x` with `σ⁻¹(F(x)) = u = (y − b)·exp(−a)` (`a` the bounded affine log-scale), by bisection in the logit domain (comparing
    /// logits rather than `F` with `σ(u)` keeps the comparison exact where `σ(u)` rounds to 0 or 1).
    /// The bracket is exact: `σ⁻¹F` lies between the smallest and largest `z_k`, so at
    /// `x = μ_k + u·exp(s_k)` (where `z_k = u`) the minimum over k is ≤ the root and the maximum ≥ it.
    /// With `K = 1` the bracket is the single point of the closed-form inverse.
    @inline(__always)
    static func solve(_ p: UnsafePointer<Float>, _ o: LogisticMixtureOptions, _ y: Float) -> Float {
        let k = o.components
        let u = (y - p[3 * k + 1]) * Foundation.exp(-o.affineLogScale(p[3 * k]))
        var lo = Float.infinity
        var hi = -Float.infinity
        for i in 0..<k {
            let root = p[k + i] + u * Foundation.exp(logScale(p, k, o.minLogScale, i))
            lo = Float.minimum(lo, root)
            hi = Float.maximum(hi, root)
        }
        for _ in 0..<o.inverseIterations {
            // Halves are added (not the sum halved) so that the midpoint cannot overflow.
            let mid = 0.5 * lo + 0.5 * hi
            // Nothing left to halve in float (false for NaN too, which ends the loop).
            guard mid > lo, mid < hi else { break }
            let e = evaluate(p, k, o.minLogScale, mid, density: false)
            if e.logF - e.log1mF < u { lo = mid } else { hi = mid }
        }
        return 0.5 * lo + 0.5 * hi
    }
}
