import FlowRuntime

/// How an autoregressive affine block (MAF, IAF) turns its conditioner's raw output `a` into the
/// log-scale `α` of `z = (x − μ) ⊙ exp(−α)`.
///
/// Unbounded, `α = a` is the paper's form (and nflows'). A ReLU network's `a` grows
/// linearly away from the data, so a few radii out `exp(±α)` overflows Float after a block or
/// two: the model then has no representable density there (see `RangeMonitor`), although the
/// data never asked for such scales. The soft clamp `α = c·tanh(a/c)` (what this project's
/// RealNVP/Glow couplings do with `c = 1`; TensorFlow Probability and Pyro clip MAF's log-scale
/// to a similar range) keeps `|α| < c`, so a block scales every feature by at most `e^c` either
/// way and a finite point stays finite through a stack of blocks. Near zero it is the identity
/// (`c·tanh(a/c) = a − a³/(3c²) + …`), so small scales train as before.
public struct LogScaleBound: Sendable, Equatable {
    /// `c`, or nil for `α = a`.
    public let bound: Float?

    /// `α = a`.
    public static let unbounded = LogScaleBound(checked: nil)

    /// `α = c·tanh(a/c)`; `c` must be positive and finite.
    public static func tanh(_ bound: Float) throws -> LogScaleBound {
        guard bound > 0, bound.isFinite else {
            throw FlowError.invalidArgument(op: "LogScaleBound.tanh", detail: "the bound must be a positive finite number, got \(bound)")
        }
        return LogScaleBound(checked: bound)
    }

    private init(checked bound: Float?) { self.bound = bound }

    public var isBounded: Bool { bound != nil }

    /// `α` for the raw output `a` (the tensor itself when unbounded: no op is added).
    func apply(_ raw: Tensor) throws -> Tensor {
        guard let bound else { return raw }
        return try raw.scaled(by: 1 / bound).unary(.tanh).scaled(by: bound)
    }

    /// `∂α/∂a = 1 − (α/c)²` from the bounded `α`, or nil when unbounded (the derivative is 1).
    func slope(_ logScale: Tensor) throws -> Tensor? {
        guard let bound else { return nil }
        return try logScale.multiplying(logScale).affine(scale: -1 / (bound * bound), shift: 1)
    }
}
