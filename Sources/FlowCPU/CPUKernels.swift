import FlowCore
import Foundation

/// The CPU backend's inner loops over contiguous runs of floats. Sums accumulate in eight
/// independent lanes (so the compiler can vectorise them) in a fixed order, then combine in Double.
enum CPUKernels {
    @inline(__always)
    static func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Double {
        var lanes = SIMD8<Float>()
        var i = 0
        while i + 8 <= n {
            lanes += UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var total = 0.0
        for lane in 0..<8 { total += Double(lanes[lane]) }
        while i < n {
            total += Double(p[i])
            i += 1
        }
        return total
    }

    @inline(__always)
    static func sumOfSquares(_ p: UnsafePointer<Float>, _ n: Int) -> Double {
        var lanes = SIMD8<Float>()
        var i = 0
        while i + 8 <= n {
            let v = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
            lanes += v * v
            i += 8
        }
        var total = 0.0
        for lane in 0..<8 { total += Double(lanes[lane]) }
        while i < n {
            total += Double(p[i]) * Double(p[i])
            i += 1
        }
        return total
    }

    /// `1 / (1 + e^(−x))` without overflow for large |x|.
    @inline(__always)
    static func sigmoid(_ x: Float) -> Float {
        if x >= 0 { return 1 / (1 + Foundation.exp(-x)) }
        let e = Foundation.exp(x)
        return e / (1 + e)
    }

    /// `log(1 + e^x)` without overflow.
    @inline(__always)
    static func softplus(_ x: Float) -> Float {
        max(x, 0) + Foundation.log1p(Foundation.exp(-abs(x)))
    }

    static func unary(_ op: UnaryOp, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        switch op {
        case .exp: for i in 0..<n { y[i] = Foundation.exp(x[i]) }
        case .log: for i in 0..<n { y[i] = Foundation.log(x[i]) }
        case .tanh: for i in 0..<n { y[i] = Foundation.tanh(x[i]) }
        case .sigmoid: for i in 0..<n { y[i] = sigmoid(x[i]) }
        case .softplus: for i in 0..<n { y[i] = softplus(x[i]) }
        case .relu: for i in 0..<n { y[i] = max(x[i], 0) }
        case let .leakyRelu(slope): for i in 0..<n { y[i] = x[i] >= 0 ? x[i] : slope * x[i] }
        case let .scale(factor): for i in 0..<n { y[i] = factor * x[i] }
        }
    }

    static func unaryBackward(
        _ op: UnaryOp, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
        _ dx: UnsafeMutablePointer<Float>, _ n: Int
    ) {
        switch op {
        case .exp: for i in 0..<n { dx[i] = dy[i] * y[i] }
        case .log: for i in 0..<n { dx[i] = dy[i] / x[i] }
        case .tanh: for i in 0..<n { dx[i] = dy[i] * (1 - y[i] * y[i]) }
        case .sigmoid: for i in 0..<n { dx[i] = dy[i] * y[i] * (1 - y[i]) }
        case .softplus: for i in 0..<n { dx[i] = dy[i] * sigmoid(x[i]) }
        case .relu: reluBackward(x, dy, dx, n)
        case let .leakyRelu(slope): for i in 0..<n { dx[i] = x[i] >= 0 ? dy[i] : slope * dy[i] }
        case let .scale(factor): for i in 0..<n { dx[i] = factor * dy[i] }
        }
    }

    /// A product's epilogue on a block of C (`rows × columns`, rows `ldc` apart): adds `bias[j]`
    /// to column `j`, then applies the ReLU, in one SIMD pass. The ReLU keeps NaN (`v < 0` is false
    /// for it), like `max(v, 0)`. Scalar loops here cost a third of the product on MADE's tiles.
    static func biasAndRelu(
        _ c: UnsafeMutablePointer<Float>, rows: Int, columns: Int, ldc: Int, bias: UnsafePointer<Float>?, relu: Bool
    ) {
        let zero = SIMD16<Float>()
        for row in 0..<rows {
            let line = c + row * ldc
            var j = 0
            while j + 16 <= columns {
                var v = UnsafeRawPointer(line + j).loadUnaligned(as: SIMD16<Float>.self)
                if let bias { v += UnsafeRawPointer(bias + j).loadUnaligned(as: SIMD16<Float>.self) }
                if relu { v.replace(with: zero, where: v .< zero) }
                UnsafeMutableRawPointer(line + j).storeBytes(of: v, as: SIMD16<Float>.self)
                j += 16
            }
            while j < columns {
                var v = line[j]
                if let bias { v += bias[j] }
                if relu, v < 0 { v = 0 }
                line[j] = v
                j += 1
            }
        }
    }

    /// ReLU's backward in explicit SIMD: written as a scalar select, the compiler keeps the
    /// conditional load of `dy` and emits a branch per element (measured: 7% of a 2-D RealNVP's step).
    static func reluBackward(
        _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ n: Int
    ) {
        var i = 0
        let zero = SIMD16<Float>()
        while i + 16 <= n {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
            let g = UnsafeRawPointer(dy + i).loadUnaligned(as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(dx + i).storeBytes(of: zero.replacing(with: g, where: v .> 0), as: SIMD16<Float>.self)
            i += 16
        }
        while i < n {
            dx[i] = x[i] > 0 ? dy[i] : 0
            i += 1
        }
    }

    static func binary(
        _ op: BinaryOp, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>, _ n: Int
    ) {
        switch op {
        case .add: for i in 0..<n { c[i] = a[i] + b[i] }
        case .subtract: for i in 0..<n { c[i] = a[i] - b[i] }
        case .multiply: for i in 0..<n { c[i] = a[i] * b[i] }
        }
    }

    static func binaryScalar(
        _ op: BinaryOp, _ a: UnsafePointer<Float>, _ b: Float, _ c: UnsafeMutablePointer<Float>, _ n: Int
    ) {
        switch op {
        case .add: for i in 0..<n { c[i] = a[i] + b }
        case .subtract: for i in 0..<n { c[i] = a[i] - b }
        case .multiply: for i in 0..<n { c[i] = a[i] * b }
        }
    }
}
