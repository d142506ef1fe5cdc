import FlowRuntime
import Foundation

extension Reference {
    /// One element's knots `x_0…x_K`, `y_0…y_K` and knot derivatives `δ_0…δ_K`, in Double.
    public struct SplineKnots: Sendable {
        public var xs: [Double]
        public var ys: [Double]
        public var ds: [Double]
    }

    /// Durkan et al. 2019, §3.1 with linear tails: widths `m + (1 − m·K)·softmax(θ_w)` of `[−B, B]`
    /// (heights likewise), interior derivatives `m_δ + softplus(θ_δ)`, boundary derivatives 1.
    public static func splineKnots(_ p: ArraySlice<Double>, _ o: SplineOptions) -> SplineKnots {
        let k = o.bins
        let base = p.startIndex
        let bound = Double(o.bound)
        func knots(_ start: Int, _ minSize: Double) -> [Double] {
            let logits = (0..<k).map { p[base + start + $0] }
            let top = logits.max() ?? 0
            let e = logits.map { exp($0 - top) }
            let total = e.reduce(0, +)
            var result = [-bound]
            var cumulative = 0.0
            for i in 0..<k - 1 {
                cumulative += minSize + (1 - minSize * Double(k)) * e[i] / total
                result.append(-bound + 2 * bound * cumulative)
            }
            return result + [bound]
        }
        let interior = (0..<k - 1).map { i -> Double in
            let z = p[base + 2 * k + i]
            return Double(o.minDerivative) + (z > 0 ? z + log1p(exp(-z)) : log1p(exp(z)))
        }
        return SplineKnots(
            xs: knots(0, Double(o.minBinWidth)), ys: knots(k, Double(o.minBinHeight)), ds: [1] + interior + [1])
    }

    /// The bin of `v` among `knots` (`#{interior knots ≤ v}`).
    private static func splineBin(_ v: Double, _ knots: [Double]) -> Int {
        (1..<knots.count - 1).filter { knots[$0] <= v }.count
    }

    /// The bin's rational quadratic at `x` (eq. 4 of the paper) and its derivative (eq. 5).
    private static func splineBinValue(_ x: Double, _ n: SplineKnots, _ k: Int) -> (y: Double, slope: Double) {
        let w = n.xs[k + 1] - n.xs[k]
        let h = n.ys[k + 1] - n.ys[k]
        let s = h / w
        let xi = (x - n.xs[k]) / w
        let (d0, d1) = (n.ds[k], n.ds[k + 1])
        let den = s + (d1 + d0 - 2 * s) * xi * (1 - xi)
        let y = n.ys[k] + h * (s * xi * xi + d0 * xi * (1 - xi)) / den
        let slope = s * s * (d1 * xi * xi + 2 * s * xi * (1 - xi) + d0 * (1 - xi) * (1 - xi)) / (den * den)
        return (y, slope)
    }

    /// One element: forward `(y, log dy/dx)`, or inverse `(x, −log dy/dx)` found by bisection on
    /// the forward in the bin of `v` (independent of the closed-form root the devices use).
    public static func splineElement(_ v: Double, _ p: ArraySlice<Double>, _ o: SplineOptions, inverse: Bool)
        -> (Double, Double)
    {
        let bound = Double(o.bound)
        guard v >= -bound, v <= bound else { return (v, 0) }
        let n = splineKnots(p, o)
        guard inverse else {
            let value = splineBinValue(v, n, splineBin(v, n.xs))
            return (value.y, log(value.slope))
        }
        let k = splineBin(v, n.ys)
        var (lo, hi) = (n.xs[k], n.xs[k + 1])
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            guard mid > lo, mid < hi else { break }
            if splineBinValue(mid, n, k).y < v { lo = mid } else { hi = mid }
        }
        let x = 0.5 * (lo + hi)
        return (x, -log(splineBinValue(x, n, k).slope))
    }

    /// The spline over `[rows, columns]` elements with `3K − 1` parameters each.
    public static func spline(_ spec: SplineSpec, inverse: Bool, x: [Double], parameters: [Double])
        -> (y: [Double], logDet: [Double])
    {
        let per = spec.options.parametersPerElement
        var y = [Double](repeating: 0, count: spec.rows * spec.columns)
        var logDet = [Double](repeating: 0, count: spec.rows)
        for r in 0..<spec.rows {
            for j in 0..<spec.columns {
                let i = r * spec.columns + j
                let (out, term) = splineElement(x[i], parameters[i * per..<(i + 1) * per], spec.options, inverse: inverse)
                y[i] = out
                logDet[r] += term
            }
        }
        return (y, logDet)
    }

    /// Backward of the forward spline for `L = Σ gradY ⊙ y + Σ_r gradLogDet_r · logDet_r`, as central
    /// differences of `splineElement` element by element (each element's outputs depend only on its
    /// own input and parameters, so this is the full gradient at O(elements · parameters) cost).
    public static func splineBackward(
        _ spec: SplineSpec, x: [Double], parameters: [Double], gradY: [Double], gradLogDet: [Double]
    ) -> (input: [Double], parameters: [Double]) {
        let per = spec.options.parametersPerElement
        var gradX = [Double](repeating: 0, count: x.count)
        var gradP = [Double](repeating: 0, count: parameters.count)
        for i in 0..<x.count {
            let (g, gl) = (gradY[i], gradLogDet[i / spec.columns])
            let range = i * per..<(i + 1) * per
            let values = [x[i]] + Array(parameters[range])
            let numeric = FiniteDifference.gradient(
                of: { v in
                    let out = splineElement(v[0], v[1...], spec.options, inverse: false)
                    return g * out.0 + gl * out.1
                }, at: values)
            gradX[i] = numeric[0]
            for q in 0..<per { gradP[i * per + q] = numeric[1 + q] }
        }
        return (gradX, gradP)
    }
}
