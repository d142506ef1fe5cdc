import Foundation

extension CPUDevice {
    public func adamStep(
        _ hyper: AdamHyper, count: Int, param: any DeviceBuffer, grad: any DeviceBuffer, m: any DeviceBuffer,
        v: any DeviceBuffer
    ) throws {
        let op = "adamStep"
        let (pp, pg, pm, pv) = (try floats(param, op), try floats(grad, op), try floats(m, op), try floats(v, op))
        let (correction1, correction2) = hyper.biasCorrections
        let (lr, b1, b2, eps, wd) = (hyper.learningRate, hyper.beta1, hyper.beta2, hyper.epsilon, hyper.weightDecay)
        let decoupled = hyper.decoupled
        Parallel.forEachRange(count, grain: 1 << 14) { range in
            for i in range {
                var g = pg[i]
                var p = pp[i]
                if decoupled { p -= lr * wd * p } else { g += wd * p }
                let mi = b1 * pm[i] + (1 - b1) * g
                let vi = b2 * pv[i] + (1 - b2) * g * g
                pm[i] = mi
                pv[i] = vi
                pp[i] = p - lr * (mi / correction1) / ((vi / correction2).squareRoot() + eps)
            }
        }
    }

    public func fillRandom(
        _ distribution: RandomDistribution, count: Int, seed: UInt64, counter: UInt64, buffer: any DeviceBuffer
    ) throws {
        let p = try floats(buffer, "fillRandom")
        let blocks = (count + 3) / 4
        Parallel.forEachRange(blocks, grain: 4096) { range in
            for blockIndex in range {
                let words = Philox.block(counter &+ UInt64(blockIndex), seed: seed)
                var values: (Float, Float, Float, Float)
                switch distribution {
                case .uniform:
                    values = (Philox.uniform(words.0), Philox.uniform(words.1), Philox.uniform(words.2), Philox.uniform(words.3))
                case .normal:
                    let (z0, z1) = Philox.normalPair(words.0, words.1)
                    let (z2, z3) = Philox.normalPair(words.2, words.3)
                    values = (z0, z1, z2, z3)
                }
                let base = blockIndex * 4
                withUnsafeBytes(of: &values) { raw in
                    for lane in 0..<min(4, count - base) { p[base + lane] = raw.load(fromByteOffset: lane * 4, as: Float.self) }
                }
            }
        }
    }
}
