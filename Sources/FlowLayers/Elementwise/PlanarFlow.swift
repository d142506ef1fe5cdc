import FlowRuntime

/// Planar flow (Rezende & Mohamed 2015, "Variational Inference with Normalizing Flows",
/// arXiv:1505.05770, §4.1 and Appendix A). On `[B, D]` (other shapes are flattened per sample):
///
///     f(x) = x + û·tanh(wᵀx + b)
///     û = u + (m(wᵀu) − wᵀu)·w/‖w‖²,   m(a) = −1 + softplus(a)
///     log|det J| = log|1 + ûᵀψ(x)| = log(1 + tanh'(wᵀx + b)·m(wᵀu)),   ψ(x) = tanh'(wᵀx + b)·w
///
/// The reparametrisation gives `wᵀû = m(wᵀu) > −1`, which makes `f` invertible (Appendix A), and
/// since `0 < tanh' ≤ 1` the determinant is positive, so no absolute value is needed. The paper
/// uses it in the sampling direction of a variational posterior; here `forward` is the density
/// direction like every transform, but the inverse has no closed form (it needs a 1-D root
/// search per sample), so `inverse` throws `NotInvertibleError` and `reconstructsInput` is false.
///
/// Starts as the identity (`u = 0`, `b = 0`; `w` random, since `w = 0` has no direction).
/// Everything, including the scalar `û` algebra, stays on the device: no host syncs.
public final class PlanarFlow: Bijector {
    public let name: String
    public let features: Int
    public let u: Parameter
    public let w: Parameter
    /// `b`, one value.
    public let bias: Parameter

    public init(name: String = "PlanarFlow", features: Int, random: inout RandomStream, on device: any Device) throws {
        guard features > 0 else {
            throw FlowError.invalidArgument(op: "PlanarFlow(\(name))", detail: "features must be positive, got \(features)")
        }
        self.name = name
        self.features = features
        u = Parameter("\(name).u", try Tensor.zeros([features], on: device))
        let bound = 1 / Float(features).squareRoot()
        w = Parameter("\(name).w", try random.uniform([features], low: -bound, high: bound, on: device))
        bias = Parameter("\(name).bias", try Tensor.zeros([1], on: device))
    }

    public var parameters: [Parameter] { [u, w, bias] }
    public var reconstructsInput: Bool { false }

    /// `wᵀu`, `‖w‖⁻²`, `m = wᵀû`, `c = (m − wᵀu)/‖w‖²` (all `[1]`) and `û` (`[D]`).
    struct Constrained {
        var dot: Tensor
        var inverseNorm: Tensor
        var m: Tensor
        var c: Tensor
        var uHat: Tensor
    }

    struct Tape: BijectorTape {
        var input: Tensor
        var constrained: Constrained
        /// `h = tanh(wᵀx + b)` and the log-det, both `[B, 1]`.
        var h: Tensor
        var logDet: Tensor
    }

    public func forward(_ x: Tensor, context: Tensor?) throws -> (result: BijectorResult, tape: any BijectorTape) {
        let flat = try x.flattenedBatch()
        guard flat.shape[1] == features else {
            throw FlowError.shapeMismatch(
                op: name, detail: "input \(x.shape) has \(flat.shape[1]) features per sample, expected \(features)")
        }
        let constrained = try constrain()
        let h = try flat.linear(weight: w.value.reshaped([1, features]), bias: bias.value).unary(.tanh)
        let output = try flat.adding(h.linear(weight: constrained.uHat.reshaped([features, 1]))).reshaped(x.shape)
        // 1 + (1 − h²)·m, with m broadcast over the [B, 1] column.
        let derivative = try h.multiplying(h).affine(scale: -1, shift: 1)
        let logDet = try derivative.applying(.multiply, constrained.m).affine(scale: 1, shift: 1).unary(.log)
        let tape = Tape(input: flat, constrained: constrained, h: h, logDet: logDet)
        return (BijectorResult(output: output, logDet: try logDet.reshaped([x.batch])), tape)
    }

    public func inverse(_ z: Tensor, context: Tensor?) throws -> BijectorResult {
        throw NotInvertibleError(
            transform: name,
            reason: "inverting x + û·tanh(wᵀx + b) needs a numerical root search; use planar flows in the density direction only")
    }

    /// With `q = 1 + h'·m` (`h' = 1 − h²`) and `g` = ∂L/∂logDet:
    /// `∂L/∂a = h'·(gyᵀû) − 2·g·m·h·h'/q` for `a = wᵀx + b`, `∂L/∂û = Σ_b h_b·gy_b`,
    /// `∂L/∂m = Σ_b g_b·h'_b/q_b`, then through `û = u + c·w`, `c = (m − s)/n`, `m = softplus(s) − 1`, `s = wᵀu`, `n = wᵀw`.
    public func backward(_ tape: any BijectorTape, gradOutput: Tensor, gradLogDet: Tensor) throws -> BijectorGradients {
        let tape = try self.tape(tape, as: Tape.self)
        let k = tape.constrained
        let gy = try gradOutput.flattenedBatch()
        let g = try gradLogDet.reshaped([gy.batch, 1])
        let derivative = try tape.h.multiplying(tape.h).affine(scale: -1, shift: 1)
        let reciprocalQ = try tape.logDet.scaled(by: -1).unary(.exp)
        let gradH = try gy.linear(weight: k.uHat.reshaped([1, features]))
        let logDetPart = try g.multiplying(tape.h).multiplying(derivative).multiplying(reciprocalQ)
            .applying(.multiply, k.m).scaled(by: -2)
        let gradA = try gradH.multiplying(derivative).adding(logDetPart)
        let direct = try Tensor.linearBackward(
            input: tape.input, weight: w.value.reshaped([1, features]), hasBias: true, gradOutput: gradA)
        if let gradBias = direct.bias { try bias.accumulate(gradBias) }

        let gradUHat = try tape.h.matmul(gy, transposeSelf: true).reshaped([features])
        let gradM = try g.multiplying(derivative).multiplying(reciprocalQ).sum()
        let gradC = try Self.dot(gradUHat, w.value)
        let gradMTotal = try gradM.adding(gradC.multiplying(k.inverseNorm))
        let gradS = try gradMTotal.multiplying(k.dot.unary(.sigmoid)).subtracting(gradC.multiplying(k.inverseNorm))
        let gradN = try gradC.multiplying(k.c).multiplying(k.inverseNorm).scaled(by: -1)
        try u.accumulate(gradUHat.adding(Self.times(w.value, gradS)))
        let gradW = try direct.weight.reshaped([features])
            .adding(Self.times(gradUHat, k.c))
            .adding(Self.times(u.value, gradS))
            .adding(Self.times(w.value, gradN.scaled(by: 2)))
        try w.accumulate(gradW)

        let gradInput = try gy.adding(direct.input).reshaped(gradOutput.shape)
        return BijectorGradients(input: gradInput, context: nil)
    }

    private func constrain() throws -> Constrained {
        let dot = try Self.dot(w.value, u.value)
        let inverseNorm = try Self.dot(w.value, w.value).unary(.log).scaled(by: -1).unary(.exp)
        let m = try dot.unary(.softplus).affine(scale: 1, shift: -1)
        let c = try m.subtracting(dot).multiplying(inverseNorm)
        let uHat = try u.value.adding(Self.times(w.value, c))
        return Constrained(dot: dot, inverseNorm: inverseNorm, m: m, c: c, uHat: uHat)
    }

    /// `aᵀb` of two `[D]` vectors, as `[1]`.
    private static func dot(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        try a.reshaped([1, a.count]).matmul(b.reshaped([1, b.count]), transposeOther: true).reshaped([1])
    }

    /// A `[D]` vector times a `[1]` scalar: viewed as `[1, 1, D]`, the scalar broadcasts along axis 1.
    private static func times(_ vector: Tensor, _ scalar: Tensor) throws -> Tensor {
        try vector.reshaped([1, 1, vector.count]).applying(.multiply, scalar).reshaped(vector.shape)
    }
}
