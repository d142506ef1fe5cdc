import FlowCore
import Foundation

extension LogisticMixtureMath {
    /// Backward of one forward element for `L = g·y + gl·log dy/dx`: writes `∂L/∂x` and the
    /// `3K + 2` parameter gradients. Mirrors `mixture_bwd` in `mixture.cl`.
    ///
    /// With `A = log F`, `B = log(1 − F)`, `C = log F′` (log-sum-exps over components with
    /// responsibilities `r^A_k`, `r^B_k`, `r^C_k`, each summing to 1), `y = (A − B)·e^a + b` and
    /// `log dy/dx = C − A − B + a`: `∂L/∂A = g·e^a − gl`, `∂L/∂B = −g·e^a − gl`, `∂L/∂C = gl`, and
    /// per component `∂A/∂z = r^A·σ(−z)`, `∂B/∂z = −r^B·σ(z)`, `∂C/∂z = r^C·(1 − 2σ(z))`,
    /// `∂C/∂s = −r^C` besides `z`'s dependence on `s`; and `∂a/∂â = 1 − (a/A)²` through the bound.
    @inline(__always)
    static func backward(
        _ p: UnsafePointer<Float>, _ o: LogisticMixtureOptions, _ x: Float, g: Float, gl: Float,
        gradX: inout Float, gradParameters dp: UnsafeMutablePointer<Float>
    ) {
        let k = o.components
        let a = o.affineLogScale(p[3 * k])
        let e = evaluate(p, k, o.minLogScale, x, density: true)
        let scale = Foundation.exp(a)
        let alphaA = g * scale - gl
        let alphaB = -g * scale - gl
        let norm = logNormalizer(p, k)
        var dx: Float = 0
        for i in 0..<k {
            let s = logScale(p, k, o.minLogScale, i)
            let inverseScale = Foundation.exp(-s)
            let z = (x - p[k + i]) * inverseScale
            let w = p[i] - norm
            let logSigma = -CPUKernels.softplus(-z)
            let logSigmaNeg = -CPUKernels.softplus(z)
            let rA = Foundation.exp(w + logSigma - e.logF)
            let rB = Foundation.exp(w + logSigmaNeg - e.log1mF)
            let rC = Foundation.exp(w + logSigma + logSigmaNeg - s - e.logDensity)
            let sigma = Foundation.exp(logSigma)
            let sigmaNeg = Foundation.exp(logSigmaNeg)
            let gz = alphaA * rA * sigmaNeg - alphaB * rB * sigma + gl * rC * (1 - 2 * sigma)
            let gw = alphaA * rA + alphaB * rB + gl * rC
            // Through w = π − log Σ exp(π): Σ_k ∂L/∂w_k = αA + αB + gl = −gl exactly (each set of
            // responsibilities sums to 1), so ∂L/∂π_i = ∂L/∂w_i + gl·softmax_i with no second pass.
            dp[i] = gw + gl * Foundation.exp(w)
            dp[k + i] = -gz * inverseScale
            dp[2 * k + i] = p[2 * k + i] >= o.minLogScale ? -gz * z - gl * rC : 0
            dx += gz * inverseScale
        }
        let bound = a / o.maxAffineLogScale
        dp[3 * k] = (g * scale * (e.logF - e.log1mF) + gl) * (1 - bound * bound)
        dp[3 * k + 1] = g
        gradX = dx
    }
}
