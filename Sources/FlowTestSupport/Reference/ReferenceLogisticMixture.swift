import FlowRuntime
import Foundation

extension Reference {
    /// `log(1 + e^t)` in Double without overflow.
    private static func softplus(_ t: Double) -> Double { max(t, 0) + log1p(exp(-abs(t))) }

    /// `log Σ exp(t_i)` in Double, two passes (max, then sum).
    private static func logSumExp(_ t: [Double]) -> Double {
        let top = t.max() ?? -.infinity
        return top + log(t.reduce(0) { $0 + exp($1 - top) })
    }

    /// Flow++ §3.1 for one element in Double: `(log F, log(1 − F), log F′)` at `x`, with weights
    /// `softmax(π)`, components `σ((x − μ_k)·exp(−max(s_k, minLogScale)))`.
    public static func logisticMixtureLogs(_ x: Double, _ p: ArraySlice<Double>, _ o: LogisticMixtureOptions)
        -> (logF: Double, log1mF: Double, logDensity: Double)
    {
        let k = o.components
        let base = p.startIndex
        let logits = (0..<k).map { p[base + $0] }
        let norm = logSumExp(logits)
        var (lower, upper, density) = ([Double](), [Double](), [Double]())
        for i in 0..<k {
            let s = max(p[base + 2 * k + i], Double(o.minLogScale))
            let z = (x - p[base + k + i]) * exp(-s)
            let w = logits[i] - norm
            lower.append(w - softplus(-z))
            upper.append(w - softplus(z))
            density.append(w - softplus(-z) - softplus(z) - s)
        }
        return (logSumExp(lower), logSumExp(upper), logSumExp(density))
    }

    /// The bounded affine log-scale `a = A·tanh(â/A)` of one element's parameters, in Double.
    public static func mixtureAffineLogScale(_ p: ArraySlice<Double>, _ o: LogisticMixtureOptions) -> Double {
        let bound = Double(o.maxAffineLogScale)
        return bound * tanh(p[p.startIndex + 3 * o.components] / bound)
    }

    /// The forward map of one element: `σ⁻¹(F(x))·exp(a) + b`.
    public static func logisticMixtureValue(_ x: Double, _ p: ArraySlice<Double>, _ o: LogisticMixtureOptions) -> Double {
        let k = o.components
        let (a, b) = (mixtureAffineLogScale(p, o), p[p.startIndex + 3 * k + 1])
        let l = logisticMixtureLogs(x, p, o)
        return (l.logF - l.log1mF) * exp(a) + b
    }

    /// One element: forward `(y, log dy/dx)`, or inverse `(x, −log dy/dx)`. The inverse bisects the
    /// forward in Double on a bracket found by doubling from [−1, 1] (independent of the devices'
    /// closed-form bracket), for 200 steps or until the bracket cannot shrink.
    public static func logisticMixtureElement(
        _ v: Double, _ p: ArraySlice<Double>, _ o: LogisticMixtureOptions, inverse: Bool
    ) -> (Double, Double) {
        let a = mixtureAffineLogScale(p, o)
        func logSlope(_ x: Double) -> Double {
            let l = logisticMixtureLogs(x, p, o)
            return l.logDensity - l.logF - l.log1mF + a
        }
        guard inverse else { return (logisticMixtureValue(v, p, o), logSlope(v)) }
        var (lo, hi) = (-1.0, 1.0)
        // Bounded: 1100 doublings pass Double's range, so a non-finite v ends here too.
        var steps = 0
        while steps < 1100, logisticMixtureValue(lo, p, o) > v {
            lo *= 2
            steps += 1
        }
        steps = 0
        while steps < 1100, logisticMixtureValue(hi, p, o) < v {
            hi *= 2
            steps += 1
        }
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            guard mid > lo, mid < hi else { break }
            if logisticMixtureValue(mid, p, o) < v { lo = mid } else { hi = mid }
        }
        let x = 0.5 * (lo + hi)
        return (x, -logSlope(x))
    }

    /// The transformer over `[rows, columns]` elements with `3K + 2` parameters each.
    public static func logisticMixture(
        _ spec: LogisticMixtureSpec, inverse: Bool, x: [Double], parameters: [Double]
    ) -> (y: [Double], logDet: [Double]) {
        let per = spec.options.parametersPerElement
        var y = [Double](repeating: 0, count: spec.rows * spec.columns)
        var logDet = [Double](repeating: 0, count: spec.rows)
        for r in 0..<spec.rows {
            for j in 0..<spec.columns {
                let i = r * spec.columns + j
                let (out, term) = logisticMixtureElement(
                    x[i], parameters[i * per..<(i + 1) * per], spec.options, inverse: inverse)
                y[i] = out
                logDet[r] += term
            }
        }
        return (y, logDet)
    }

    /// Backward of the forward transformer for `L = Σ gradY ⊙ y + Σ_r gradLogDet_r · logDet_r`, as
    /// central differences of `logisticMixtureElement` element by element (each element's outputs
    /// depend only on its own input and parameters, so this is the full gradient).
    public static func logisticMixtureBackward(
        _ spec: LogisticMixtureSpec, x: [Double], parameters: [Double], gradY: [Double], gradLogDet: [Double]
    ) -> (input: [Double], parameters: [Double]) {
        let per = spec.options.parametersPerElement
        var gradX = [Double](repeating: 0, count: x.count)
        var gradP = [Double](repeating: 0, count: parameters.count)
        for i in 0..<x.count {
            let (g, gl) = (gradY[i], gradLogDet[i / spec.columns])
            let values = [x[i]] + Array(parameters[i * per..<(i + 1) * per])
            let numeric = FiniteDifference.gradient(
                of: { v in
                    let out = logisticMixtureElement(v[0], v[1...], spec.options, inverse: false)
                    return g * out.0 + gl * out.1
                }, at: values)
            gradX[i] = numeric[0]
            for q in 0..<per { gradP[i * per + q] = numeric[1 + q] }
        }
        return (gradX, gradP)
    }
}
