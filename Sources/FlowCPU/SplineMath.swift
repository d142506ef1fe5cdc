import FlowCore
import Foundation

/// One element of the rational-quadratic spline, in Float, written to match `Kernels/spline.cl`
/// operation for operation (the same knots, bin rule, clamps and selects), so both backends agree
/// to the rounding of `exp`/`log` and forward and inverse agree on every knot bit for bit.
enum SplineMath {
    /// One bin: its index, edges along x and y, and end derivatives.
    struct Bin {
        var index: Int
        var x0: Float, x1: Float, y0: Float, y1: Float
        var d0: Float, d1: Float
        var w: Float { x1 - x0 }
        var h: Float { y1 - y0 }
        var s: Float { h / w }
    }

    /// Edges of one bin along one axis from its `k` logits `u`: knot `X_0 = −B`, `X_i = 2B·C_i − B`
    /// with `C_i` the sum of the first `i` minimum-adjusted softmax shares, `X_K = B` exactly. With
    /// a search value, the bin is `#{interior knots ≤ v}` (a value on a knot belongs to the bin that
    /// starts there, in both directions); otherwise `bin` is given.
    @inline(__always)
    static func edges(_ u: UnsafePointer<Float>, _ k: Int, _ bound: Float, _ minSize: Float, search: Float?, bin: Int)
        -> (bin: Int, lo: Float, hi: Float)
    {
        var m = u[0]
        for i in 1..<k { m = Float.maximum(m, u[i]) }
        var total: Float = 0
        for i in 0..<k { total += Foundation.exp(u[i] - m) }
        let share = 1 - minSize * Float(k)
        var c: Float = 0
        var left = -bound
        for i in 0..<k {
            c += minSize + share * (Foundation.exp(u[i] - m) / total)
            let right = i == k - 1 ? bound : 2 * bound * c - bound
            let found = search.map { i == k - 1 || $0 < right } ?? (i == bin)
            if found { return (i, left, right) }
            left = right
        }
        return (k - 1, left, bound)
    }

    /// 1 at both ends (continuous slope into the identity tails), else `minDerivative + softplus`.
    @inline(__always)
    static func knotDerivative(_ d: UnsafePointer<Float>, _ k: Int, _ minDerivative: Float, _ j: Int) -> Float {
        j == 0 || j == k ? 1 : minDerivative + CPUKernels.softplus(d[j - 1])
    }

    /// The bin holding `v` (already clamped into `[−B, B]`) along x (forward) or y (inverse).
    @inline(__always)
    static func bin(_ p: UnsafePointer<Float>, _ o: SplineOptions, inverse: Bool, _ v: Float) -> Bin {
        let k = o.bins
        let (index, x0, x1, y0, y1): (Int, Float, Float, Float, Float)
        if inverse {
            let y = edges(p + k, k, o.bound, o.minBinHeight, search: v, bin: 0)
            let x = edges(p, k, o.bound, o.minBinWidth, search: nil, bin: y.bin)
            (index, x0, x1, y0, y1) = (y.bin, x.lo, x.hi, y.lo, y.hi)
        } else {
            let x = edges(p, k, o.bound, o.minBinWidth, search: v, bin: 0)
            let y = edges(p + k, k, o.bound, o.minBinHeight, search: nil, bin: x.bin)
            (index, x0, x1, y0, y1) = (x.bin, x.lo, x.hi, y.lo, y.hi)
        }
        let d = p + 2 * k
        return Bin(
            index: index, x0: x0, x1: x1, y0: y0, y1: y1,
            d0: knotDerivative(d, k, o.minDerivative, index), d1: knotDerivative(d, k, o.minDerivative, index + 1))
    }

    /// log dy/dx at `xi` (ratio form: no squares of large values, so huge derivatives do not overflow).
    @inline(__always)
    static func logSlope(_ b: Bin, _ xi: Float) -> Float {
        let s = b.s
        let t = xi * (1 - xi)
        let den = s + (b.d0 + b.d1 - 2 * s) * t
        let dn = b.d1 * xi * xi + 2 * s * t + b.d0 * (1 - xi) * (1 - xi)
        return 2 * Foundation.log(s) + Foundation.log(dn) - 2 * Foundation.log(den)
    }

    /// Forward or inverse of one element: (output, log-det term).
    @inline(__always)
    static func apply(_ p: UnsafePointer<Float>, _ o: SplineOptions, inverse: Bool, _ v: Float) -> (Float, Float) {
        let bound = o.bound
        let inside = v >= -bound && v <= bound  // false for NaN
        // Clamp before (Float.maximum returns −B for NaN), select after: the branch not taken only sees in-range values.
        let vc = Float.minimum(Float.maximum(v, -bound), bound)
        let b = bin(p, o, inverse: inverse, vc)
        let (w, h, s) = (b.w, b.h, b.s)
        let xi: Float
        let out: Float
        if inverse {
            // a·ξ² + b·ξ + c = 0 (c ≤ 0), its root in [0, 1] in whichever form adds same-signed
            // terms: 2c / (−b − √disc) for b ≥ 0 (the paper's form, which cancels catastrophically
            // for b < 0, e.g. a steep far end d1 ≫ s), else (−b + √disc) / 2a, where a ≥ h·s > 0 in
            // exact arithmetic.
            let dy = vc - b.y0
            let r = b.d0 + b.d1 - 2 * s
            let qa = h * (s - b.d0) + dy * r
            let qb = h * b.d0 - dy * r
            let qc = -s * dy
            let rootDisc = Float.maximum(qb * qb - 4 * qa * qc, 0).squareRoot()
            let denom = -qb - rootDisc
            let root: Float
            if qb >= 0 {
                root = denom < 0 ? Swift.min(Swift.max(2 * qc / denom, 0), 1) : 0
            } else {
                root = qa > 0 ? Swift.min(Swift.max((rootDisc - qb) / (2 * qa), 0), 1) : 1
            }
            // The top edge maps to the top knot exactly (so ±B and the knots round-trip exactly).
            xi = dy >= h ? 1 : root
            out = xi >= 1 ? b.x1 : Swift.min(b.x0 + xi * w, b.x1)
        } else {
            xi = Swift.min(Swift.max((vc - b.x0) / w, 0), 1)
            let t = xi * (1 - xi)
            let den = s + (b.d0 + b.d1 - 2 * s) * t
            let q = h * (s * xi * xi + b.d0 * t) / den
            out = xi >= 1 ? b.y1 : Swift.min(b.y0 + q, b.y1)
        }
        let logSlope = logSlope(b, xi)
        return (inside ? out : v, inside ? (inverse ? -logSlope : logSlope) : 0)
    }
}
