import FlowRuntime
import Foundation

/// Flow++'s variational dequantization (Ho et al. 2019, arXiv:1902.00275, §3.2): instead of
/// uniform noise, `u ~ q(u | v)` from a conditional flow trained jointly with the model, so the
/// noise can fill each discrete cell the way the model's density would. For image data
/// `v ∈ {0, …, L−1}^{C×H×W}`:
///
///     ε ~ N(0, I),   h = g(ε; v),   u = sigmoid(h) ∈ (0, 1),   x = (v + u)/L + offset
///     log q(u | v) = log N(ε) − log|det ∂h/∂ε| − Σ log σ′(h)
///     log|det J| := −D·ln L − log q(u | v)
///
/// `g` is `flow` (a conditional flow on the 2×2-squeezed noise, conditioned on the squeezed image
/// `(v + ½)/L − ½` as context channels), and `σ′(h) = σ(h)·σ(−h)`. With that log-det the model's
/// `−logProb(v)` is a one-sample estimate of `−E_q[log p(x) − log q(u | v)] − D·ln L`, the
/// variational bound on the discrete NLL (Jensen), which training minimises over both the model
/// and `q`; with `q` uniform (`log q = 0`) it is `UniformDequantization`'s. Bits per dimension
/// follow as usual, and evaluation reports the same bound (one draw per example, fixed noise).
///
/// Noise: `ε` comes from `noise` (a Philox stream position; checkpoint state), so runs and
/// resumption are exact. `inverse` returns the continuous `v + u`, whose quantization is `v`;
/// its log-det is the scaling's `+D·ln L` alone (`q` has no meaning in the sampling direction).
public final class VariationalDequantization: Dequantizer, TransformContainer {
    public let name: String
    public let levels: Int
    public let offset: Float
    public var noise: RandomStream
    /// `g`, data → noise order being ε → h, on `[B, 4C, H/2, W/2]` with a context of that shape.
    public let flow: any Bijector

    public init(name: String = "VariationalDequantization", levels: Int, offset: Float = 0, flow: any Bijector, noise: RandomStream) throws {
        guard levels >= 2 else {
            throw FlowError.invalidArgument(op: "VariationalDequantization(\(name))", detail: "need at least 2 levels, got \(levels)")
        }
        self.name = name
        self.levels = levels
        self.offset = offset
        self.flow = flow
        self.noise = noise
    }

    public var parameters: [Parameter] { flow.parameters }
    public var children: [any Bijector] { [flow] }
    public var reconstructsInput: Bool { false }

    struct Tape: BijectorTape {
        var u: Tensor
        var flowTape: any BijectorTape
    }

    /// The conditioning image: `v` centred into (−½, ½) and squeezed like the noise.
    private func context(_ v: Tensor) throws -> Tensor {
        try v.affine(scale: 1 / Float(levels), shift: 0.5 / Float(levels) - 0.5).squeeze2x2()
    }

    private func checkShape(_ v: Tensor) throws {
        guard v.rank == 4, v.shape[2] % 2 == 0, v.shape[3] % 2 == 0 else {
            throw FlowError.shapeMismatch(op: name, detail: "input \(v.shape), expected [B, C, H, W] with even H and W")
        }
    }

    private func scalingLogDet(_ x: Tensor) -> Float {
        -Float(Double(x.batch == 0 ? 0 : x.count / x.batch) * log(Double(levels)))
    }

    public func forward(_ v: Tensor, context _: Tensor?) throws -> (result: BijectorResult, tape: any BijectorTape) {
        try checkShape(v)
        return try forward(v, epsilon: noise.next(v.shape, .normal, on: v.device))
    }

    /// The forward pass with the noise `ε ~ N(0, I)` given (`v`'s shape) rather than drawn: the
    /// map `ε → x` whose Jacobian the log-det accounts for, and the gradient tests' fixed noise.
    public func forward(_ v: Tensor, epsilon: Tensor) throws -> (result: BijectorResult, tape: any BijectorTape) {
        try checkShape(v)
        guard epsilon.shape == v.shape else {
            throw FlowError.shapeMismatch(op: name, detail: "noise \(epsilon.shape) for input \(v.shape)")
        }
        let (flowResult, flowTape) = try flow.forward(epsilon.squeeze2x2(), context: context(v))
        let h = try flowResult.output.unsqueeze2x2()
        let u = try h.unary(.sigmoid)
        let output = try v.adding(u).affine(scale: 1 / Float(levels), shift: offset)
        // −Σ log σ′(h) = Σ softplus(h) + softplus(−h).
        let softplusSum = try h.unary(.softplus).adding(h.scaled(by: -1).unary(.softplus)).perSampleSum()
        let logQ = try epsilon.normalLogProb().subtracting(flowResult.logDet).adding(softplusSum)
        let logDet = try logQ.affine(scale: -1, shift: scalingLogDet(v))
        return (BijectorResult(output: output, logDet: logDet), Tape(u: u, flowTape: flowTape))
    }

    /// `(z − offset)·L`: the dequantized `v + u` in data units.
    public func inverse(_ z: Tensor, context _: Tensor?) throws -> BijectorResult {
        let output = try z.affine(scale: Float(levels), shift: -offset * Float(levels))
        return BijectorResult(output: output, logDet: try Tensor.full([z.batch], value: -scalingLogDet(z), on: z.device))
    }

    /// With `g_x` and `g_l` the output's and log-det's gradients, and `u = σ(h)`:
    /// `∂L/∂h = g_x·u(1 − u)/L + g_l·(1 − 2u)` (the second from `−Σ log σ′(h)`, whose derivative is
    /// `2u − 1`), into `g`'s backward with `g_l` for its log-det (which enters with +1). The input
    /// gradient is `g_x/L` plus the context's path (the data are not learned; kept for consistency).
    public func backward(_ tape: any BijectorTape, gradOutput: Tensor, gradLogDet: Tensor) throws -> BijectorGradients {
        let tape = try self.tape(tape, as: Tape.self)
        let u = tape.u
        let rows = u.batch
        let oneMinusU = try u.affine(scale: -1, shift: 1)
        let throughOutput = try gradOutput.multiplying(u.multiplying(oneMinusU)).scaled(by: 1 / Float(levels))
        // (1 − 2u) scaled row by row by g_l: a `[1, B, N]` view broadcasts g_l along its axis 1.
        let entropyTerm = try u.affine(scale: -2, shift: 1).reshaped([1, rows, u.count / max(1, rows)])
            .applying(.multiply, gradLogDet).reshaped(u.shape)
        let gradH = try throughOutput.adding(entropyTerm)
        let flowGrads = try flow.backward(tape.flowTape, gradOutput: gradH.squeeze2x2(), gradLogDet: gradLogDet)
        var gradInput = try gradOutput.scaled(by: 1 / Float(levels))
        if let gradContext = flowGrads.context {
            gradInput = try gradInput.adding(gradContext.unsqueeze2x2().scaled(by: 1 / Float(levels)))
        }
        return BijectorGradients(input: gradInput, context: nil)
    }
}
