import FlowRuntime
import Foundation

extension Reference {
    /// One Adam/AdamW step in PyTorch's form, entirely in Double (bias corrections included):
    /// L2 (`decoupled == false`): `g ← g + λp`; AdamW: `p ← p − lr·λ·p` before the update;
    /// `m ← β1 m + (1 − β1) g`, `v ← β2 v + (1 − β2) g²`, `p ← p − lr·(m/(1 − β1ᵗ)) / (sqrt(v/(1 − β2ᵗ)) + ε)`.
    public static func adamStep(
        _ hyper: AdamHyper, param: [Double], grad: [Double], m: [Double], v: [Double]
    ) -> (param: [Double], m: [Double], v: [Double]) {
        let lr = Double(hyper.learningRate)
        let (beta1, beta2) = (Double(hyper.beta1), Double(hyper.beta2))
        let (epsilon, decay) = (Double(hyper.epsilon), Double(hyper.weightDecay))
        let t = Double(hyper.step)
        let correction1 = 1 - pow(beta1, t)
        let correction2 = 1 - pow(beta2, t)
        var (p, m, v) = (param, m, v)
        for i in 0..<p.count {
            var g = grad[i]
            if !hyper.decoupled { g += decay * p[i] }
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g * g
            if hyper.decoupled { p[i] -= lr * decay * p[i] }
            p[i] -= lr * (m[i] / correction1) / ((v[i] / correction2).squareRoot() + epsilon)
        }
        return (p, m, v)
    }

    /// The raw Philox words of a fill of `count` values from `(seed, counter)`: value `i` is word
    /// `i % 4` of block `counter + i / 4` (FlowRuntime's `Philox.block` supplies the integer part,
    /// which is itself checked against the published known-answer vectors).
    public static func philoxWords(count: Int, seed: UInt64, counter: UInt64) -> [UInt32] {
        (0..<count).map { i in
            let block = Philox.block(counter &+ UInt64(i / 4), seed: seed)
            switch i % 4 {
            case 0: return block.0
            case 1: return block.1
            case 2: return block.2
            default: return block.3
            }
        }
    }

    /// Uniform values on [0, 1) from the top 24 bits of each word (exact in Float too).
    public static func randomUniform(count: Int, seed: UInt64, counter: UInt64) -> [Double] {
        philoxWords(count: count, seed: seed, counter: counter).map { Double($0 >> 8) * 0x1p-24 }
    }

    /// Standard normals by Box–Muller in Double with Foundation's log/sqrt/cos/sin: words
    /// `(w0, w1)` of a block give values 0 and 1 (`r cos θ`, `r sin θ`), `(w2, w3)` give 2 and 3,
    /// with `u1 = ((w0 >> 8) + 1)·2⁻²⁴ ∈ (0, 1]`, `u2 = (w1 >> 8)·2⁻²⁴`, `r = sqrt(−2 log u1)`, `θ = 2π u2`.
    public static func randomNormal(count: Int, seed: UInt64, counter: UInt64) -> [Double] {
        (0..<count).map { i in
            let block = Philox.block(counter &+ UInt64(i / 4), seed: seed)
            let (w0, w1) = i % 4 < 2 ? (block.0, block.1) : (block.2, block.3)
            let u1 = Double((w0 >> 8) + 1) * 0x1p-24
            let u2 = Double(w1 >> 8) * 0x1p-24
            let radius = (-2 * log(u1)).squareRoot()
            let theta = 2 * Double.pi * u2
            return i % 2 == 0 ? radius * cos(theta) : radius * sin(theta)
        }
    }
}
