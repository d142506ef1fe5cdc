import FlowRuntime
import Foundation

extension Reference {
    /// `f(x)` for one value, in Double with Foundation's libm.
    public static func unary(_ op: UnaryOp, _ x: Double) -> Double {
        switch op {
        case .exp: return exp(x)
        case .log: return log(x)
        case .tanh: return tanh(x)
        case .sigmoid: return 1 / (1 + exp(-x))
        // log(1 + eˣ) = max(x, 0) + log1p(e^−|x|), which neither overflows nor loses small values.
        case .softplus: return max(x, 0) + log1p(exp(-abs(x)))
        case .relu: return max(x, 0)
        case let .leakyRelu(slope): return x >= 0 ? x : Double(slope) * x
        case let .scale(factor): return Double(factor) * x
        }
    }

    /// `f'(x)` from `x` alone (the device may use `y`; this is the textbook derivative).
    public static func unaryDerivative(_ op: UnaryOp, _ x: Double) -> Double {
        switch op {
        case .exp: return exp(x)
        case .log: return 1 / x
        case .tanh: return 1 - tanh(x) * tanh(x)
        case .sigmoid:
            let s = 1 / (1 + exp(-x))
            return s * (1 - s)
        case .softplus: return 1 / (1 + exp(-x))
        case .relu: return x > 0 ? 1 : 0
        case let .leakyRelu(slope): return x >= 0 ? 1 : Double(slope)
        case let .scale(factor): return Double(factor)
        }
    }

    public static func unary(_ op: UnaryOp, x: [Double]) -> [Double] { x.map { unary(op, $0) } }

    /// `dx = f'(x) · dy`.
    public static func unaryBackward(_ op: UnaryOp, x: [Double], gradY: [Double]) -> [Double] {
        (0..<x.count).map { unaryDerivative(op, x[$0]) * gradY[$0] }
    }

    public static func binary(_ op: BinaryOp, _ a: Double, _ b: Double) -> Double {
        switch op {
        case .add: return a + b
        case .subtract: return a - b
        case .multiply: return a * b
        }
    }

    /// `c[o, m, i] = a[o, m, i] ∘ b[o, m, i]`, or `∘ b[m]` with `broadcastB`.
    public static func binary(_ op: BinaryOp, view: AxisView, broadcastB: Bool, a: [Double], b: [Double]) -> [Double] {
        var c = [Double](repeating: 0, count: view.count)
        for o in 0..<view.outer {
            for m in 0..<view.mid {
                for i in 0..<view.inner {
                    let k = index(view, o, m, i)
                    c[k] = binary(op, a[k], broadcastB ? b[m] : b[k])
                }
            }
        }
        return c
    }

    /// Gradients of `c = a ∘ b` given `∂L/∂c`; a broadcast `b` gets its gradient summed per `mid` index.
    public static func binaryBackward(
        _ op: BinaryOp, view: AxisView, broadcastB: Bool, a: [Double], b: [Double], gradC: [Double]
    ) -> (a: [Double], b: [Double]) {
        var gradA = [Double](repeating: 0, count: view.count)
        var gradB = [Double](repeating: 0, count: broadcastB ? view.mid : view.count)
        for o in 0..<view.outer {
            for m in 0..<view.mid {
                for i in 0..<view.inner {
                    let k = index(view, o, m, i)
                    let bIndex = broadcastB ? m : k
                    let (da, db): (Double, Double)
                    switch op {
                    case .add: (da, db) = (1, 1)
                    case .subtract: (da, db) = (1, -1)
                    case .multiply: (da, db) = (b[bIndex], a[k])
                    }
                    gradA[k] = da * gradC[k]
                    gradB[bIndex] += db * gradC[k]
                }
            }
        }
        return (gradA, gradB)
    }
}
