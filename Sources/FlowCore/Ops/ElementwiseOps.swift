/// Elementwise maps `y = f(x)`. Each has a backward `dx = f'(x) · dy` (see `Tensor.unaryBackward`).
public enum UnaryOp: Sendable, Equatable {
    case exp
    /// Natural log; the domain is x > 0.
    case log
    case tanh
    case sigmoid
    /// `log(1 + exp(x))`, computed without overflow.
    case softplus
    case relu
    /// `x` for x ≥ 0, `slope · x` otherwise (a fixed slope; the learnable one is `Tensor.prelu`).
    case leakyRelu(slope: Float)
    /// `factor · x`.
    case scale(Float)

    /// Stable code shared with the OpenCL kernels (`elementwise.cl`).
    package var code: Int32 {
        switch self {
        case .exp: 0
        case .log: 1
        case .tanh: 2
        case .sigmoid: 3
        case .softplus: 4
        case .relu: 5
        case .leakyRelu: 6
        case .scale: 7
        }
    }

    /// The op's scalar parameter (slope or factor), 0 when it has none.
    package var parameter: Float {
        switch self {
        case let .leakyRelu(slope): slope
        case let .scale(factor): factor
        default: 0
        }
    }
}

/// Elementwise maps of two operands `c = a ∘ b`.
public enum BinaryOp: Int32, Sendable, Equatable {
    case add = 0
    case subtract = 1
    case multiply = 2
}

/// A tensor viewed as `[outer, mid, inner]`: the shape every channel- or feature-wise op works
/// on. For vectors `[B, D]` the features are `mid` (outer = B, inner = 1); for images
/// `[B, C, H, W]` the channels are `mid` (outer = B, inner = H·W).
public struct AxisView: Sendable, Equatable {
    public var outer: Int
    public var mid: Int
    public var inner: Int

    public init(outer: Int, mid: Int, inner: Int) {
        self.outer = outer
        self.mid = mid
        self.inner = inner
    }

    @inlinable public var count: Int { outer * mid * inner }
}
