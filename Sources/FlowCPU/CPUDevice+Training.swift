import FlowCore
import Foundation

extension CPUDevice {
    public func adamStep(
        _ hyper: AdamHyper, count: Int, param: any DeviceBuffer, grad: any DeviceBuffer, m: any DeviceBuffer,
        v: any DeviceBuffer
    ) throws {
        let op = "adamStep"
        let tensor = AdamPointers(param: try floats(param, op), grad: try floats(grad, op), m: try floats(m, op), v: try floats(v, op))
        Parallel.forEachRange(count, grain: 1 << 12) { range in CPUDevice.adamUpdate(hyper, tensor, range) }
    }

    struct AdamPointers {
        var param: UnsafeMutablePointer<Float>
        var grad: UnsafeMutablePointer<Float>
        var m: UnsafeMutablePointer<Float>
        var v: UnsafeMutablePointer<Float>
    }

    /// Elements `range` of one tensor's update.
    static func adamUpdate(_ hyper: AdamHyper, _ tensor: AdamPointers, _ range: Range<Int>) {
        let (pp, pg, pm, pv) = (tensor.param, tensor.grad, tensor.m, tensor.v)
        let (correction1, correction2) = hyper.biasCorrections
        let (lr, b1, b2, eps, wd) = (hyper.learningRate, hyper.beta1, hyper.beta2, hyper.epsilon, hyper.weightDecay)
        let decoupled = hyper.decoupled
        // The same operations in the same order as the scalar tail, 16 lanes at a time (IEEE
        // division and square root are exactly rounded in both, so lanes and tail agree bit for
        // bit); the loop the compiler made of the scalar form took a fifth of a 2-D RealNVP's step.
        var i = range.lowerBound
        let (lrV, b1V, b2V, epsV, wdV) = (
            SIMD16<Float>(repeating: lr), SIMD16<Float>(repeating: b1), SIMD16<Float>(repeating: b2),
            SIMD16<Float>(repeating: eps), SIMD16<Float>(repeating: wd)
        )
        let (c1V, c2V) = (SIMD16<Float>(repeating: correction1), SIMD16<Float>(repeating: correction2))
        let (oneMinusB1, oneMinusB2) = (SIMD16<Float>(repeating: 1 - b1), SIMD16<Float>(repeating: 1 - b2))
        while i + 16 <= range.upperBound {
            var g = UnsafeRawPointer(pg + i).loadUnaligned(as: SIMD16<Float>.self)
            var p = UnsafeRawPointer(pp + i).loadUnaligned(as: SIMD16<Float>.self)
            if decoupled { p -= lrV * wdV * p } else { g += wdV * p }
            let mi = b1V * UnsafeRawPointer(pm + i).loadUnaligned(as: SIMD16<Float>.self) + oneMinusB1 * g
            let vi = b2V * UnsafeRawPointer(pv + i).loadUnaligned(as: SIMD16<Float>.self) + oneMinusB2 * g * g
            UnsafeMutableRawPointer(pm + i).storeBytes(of: mi, as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(pv + i).storeBytes(of: vi, as: SIMD16<Float>.self)
            let update = p - lrV * (mi / c1V) / ((vi / c2V).squareRoot() + epsV)
            UnsafeMutableRawPointer(pp + i).storeBytes(of: update, as: SIMD16<Float>.self)
            i += 16
        }
        while i < range.upperBound {
            var g = pg[i]
            var p = pp[i]
            if decoupled { p -= lr * wd * p } else { g += wd * p }
            let mi = b1 * pm[i] + (1 - b1) * g
            let vi = b2 * pv[i] + (1 - b2) * g * g
            pm[i] = mi
            pv[i] = vi
            pp[i] = p - lr * (mi / correction1) / ((vi / correction2).squareRoot() + eps)
            i += 1
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
