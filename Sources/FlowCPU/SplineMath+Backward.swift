import FlowCore
import Foundation

extension SplineMath {
    /// Backward of one forward element for `L = g·y + gl·log dy/dx`: writes `∂L/∂x` and the
    /// `3K − 1` parameter gradients (zero in the tails). Mirrors `spline_bwd` in `spline.cl`.
    @inline(__always)
    static func backward(
        _ p: UnsafePointer<Float>, _ o: SplineOptions, _ v: Float, g: Float, gl: Float,
        gradX: inout Float, gradParameters dp: UnsafeMutablePointer<Float>
    ) {
        let (k, bound) = (o.bins, o.bound)
        let inside = v >= -bound && v <= bound
        let vc = Float.minimum(Float.maximum(v, -bound), bound)
        let b = bin(p, o, inverse: false, vc)
        let (w, h, s, d0, d1) = (b.w, b.h, b.s, b.d0, b.d1)
        let xi = Swift.min(Swift.max((vc - b.x0) / w, 0), 1)
        let omx = 1 - xi
        let t = xi * omx
        let r = d0 + d1 - 2 * s
        let den = s + r * t
        let q = h * (s * xi * xi + d0 * t) / den
        let dn = d1 * xi * xi + 2 * s * t + d0 * omx * omx
        // Partial derivatives of q = y − y0 and of log dy/dx in the bin's own variables (ξ, s, h, d0, d1).
        let denXi = r * (1 - 2 * xi)
        let qXi = (h * (2 * s * xi + d0 * (1 - 2 * xi)) - q * denXi) / den
        let qS = (h * xi * xi - q * (1 - 2 * t)) / den
        let qH = (s * xi * xi + d0 * t) / den
        let qD0 = t * (h - q) / den
        let qD1 = -q * t / den
        let dnXi = 2 * d1 * xi + 2 * s * (1 - 2 * xi) - 2 * d0 * omx
        let lXi = dnXi / dn - 2 * denXi / den
        let lS = 2 / s + 2 * t / dn - 2 * (1 - 2 * t) / den
        let lD0 = omx * omx / dn - 2 * t / den
        let lD1 = xi * xi / dn - 2 * t / den
        let gXi = g * qXi + gl * lXi
        let gS = g * qS + gl * lS
        // Through ξ = (x − x0)/w, s = h/w, w = x1 − x0, h = y1 − y0.
        let gH = g * qH + gS / w
        let gW = -(gS * s + gXi * xi) / w
        gradX = inside ? gXi / w : g
        logitGradient(p, dp, k, bound, o.minBinWidth, b.index, lo: -gXi / w - gW, hi: gW, inside: inside)
        logitGradient(p + k, dp + k, k, bound, o.minBinHeight, b.index, lo: g - gH, hi: gH, inside: inside)
        for j in 1..<k {
            let gd = j == b.index ? g * qD0 + gl * lD0 : (j == b.index + 1 ? g * qD1 + gl * lD1 : 0)
            dp[2 * k + j - 1] = inside ? gd * CPUKernels.sigmoid(p[2 * k + j - 1]) : 0
        }
    }

    /// Gradient of one axis's logits from the loss gradients at the bin's two knots: knot `X_j`
    /// (0 < j < K) is `2B·Σ_{i<j} share_i − B`, `share_i = m + (1 − m·K)·softmax_i`.
    @inline(__always)
    static func logitGradient(
        _ u: UnsafePointer<Float>, _ du: UnsafeMutablePointer<Float>, _ k: Int, _ bound: Float, _ minSize: Float,
        _ bin: Int, lo: Float, hi: Float, inside: Bool
    ) {
        var m = u[0]
        for i in 1..<k { m = Float.maximum(m, u[i]) }
        // Each exponential once (the kernel recomputes them; the values are the same either way).
        withUnsafeTemporaryAllocation(of: Float.self, capacity: k) { e in
            var total: Float = 0
            for i in 0..<k {
                e[i] = Foundation.exp(u[i] - m)
                total += e[i]
            }
            // Only interior knots move with the logits.
            let gLo: Float = bin >= 1 ? lo : 0
            let gHi: Float = bin + 1 <= k - 1 ? hi : 0
            let scale = 2 * bound * (1 - minSize * Float(k))
            func dShare(_ i: Int) -> Float { scale * ((i < bin ? gLo : 0) + (i <= bin ? gHi : 0)) }
            var dot: Float = 0
            for i in 0..<k { dot += e[i] / total * dShare(i) }
            for i in 0..<k {
                let share = e[i] / total
                du[i] = inside ? share * (dShare(i) - dot) : 0
            }
        }
    }
}
