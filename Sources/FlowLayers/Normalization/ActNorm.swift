import FlowRuntime

/// Glow's activation normalisation (Kingma & Dhariwal 2018, arXiv:1807.03039, §3.1): per channel
/// (axis 1: channels of `[B, C, …]`, features of `[B, D]`)
///
///     y = (x − loc) ⊙ exp(−logScale),   log|det J| = −positions · Σ_c logScale_c
///
/// (positions = H·W for images, T for sequences, 1 for vectors). Forward is data → noise.
///
/// Data-dependent initialisation (Glow's): the first forward call sets `loc` to the per-channel mean
/// over (batch, positions) and `logScale = log(std + 1e-6)` with the unbiased std, so the first
/// batch comes out with zero mean and unit variance per channel. Whether this has happened is
/// state (`isInitialized`) that checkpoints must save and restore: a model loaded from a
/// checkpoint must not re-initialise on its first batch and overwrite the trained values.
public final class ActNorm: Bijector {
    public let name: String
    public let channels: Int
    public let loc: Parameter
    public let logScale: Parameter
    /// False until the first forward pass (or `initialize(from:)`); set it to true after loading
    /// trained `loc` / `logScale` values.
    public var isInitialized: Bool

    public init(name: String = "ActNorm", channels: Int, on device: any Device) throws {
        guard channels >= 1 else {
            throw FlowError.invalidArgument(op: "ActNorm(\(name))", detail: "channels must be positive, got \(channels)")
        }
        self.name = name
        self.channels = channels
        loc = Parameter("\(name).loc", try Tensor.zeros([channels], on: device))
        logScale = Parameter("\(name).logScale", try Tensor.zeros([channels], on: device))
        isInitialized = false
    }

    public var parameters: [Parameter] { [loc, logScale] }

    /// Sets `loc` and `logScale` from a batch, on its device (no read-back). The variance is
    /// computed around the mean (two passes) so a constant channel gets exactly zero, and a tiny
    /// floor keeps `log` finite there: its std is 0 and `logScale = log 1e-6`.
    public func initialize(from x: Tensor) throws {
        try check("\(name).initialize", x)
        let count = x.count / channels
        let mean = try x.channelSum().scaled(by: 1 / Float(count))
        let centered = try x.applying(.subtract, mean)
        // Unbiased (divide by N − 1, as torch.std); a single value per channel has no spread.
        let variance = try centered.channelSum(squared: true).scaled(by: 1 / Float(max(1, count - 1)))
        let std = try variance.affine(scale: 1, shift: 1e-30).unary(.log).scaled(by: 0.5).unary(.exp)
        loc.value = mean
        logScale.value = try std.affine(scale: 1, shift: 1e-6).unary(.log)
        isInitialized = true
    }

    struct Tape: BijectorTape {
        var input: Tensor
        var loc: Tensor
        var logScale: Tensor
    }

    public func forward(_ x: Tensor, context: Tensor?) throws -> (result: BijectorResult, tape: any BijectorTape) {
        try check("\(name).forward", x)
        if !isInitialized { try initialize(from: x) }
        let (output, logDet) = try x.actNorm(loc: loc.value, logScale: logScale.value)
        return (BijectorResult(output: output, logDet: logDet), Tape(input: x, loc: loc.value, logScale: logScale.value))
    }

    public func inverse(_ z: Tensor, context: Tensor?) throws -> BijectorResult {
        try check("\(name).inverse", z)
        guard isInitialized else {
            throw FlowError.invalidArgument(
                op: "\(name).inverse",
                detail: "ActNorm is not initialised: run a forward pass on data first (data-dependent initialisation), "
                    + "or set isInitialized = true after loading trained parameters")
        }
        let (output, logDet) = try z.actNorm(loc: loc.value, logScale: logScale.value, inverse: true)
        return BijectorResult(output: output, logDet: logDet)
    }

    public func backward(_ tape: any BijectorTape, gradOutput: Tensor, gradLogDet: Tensor) throws -> BijectorGradients {
        let tape = try self.tape(tape, as: Tape.self)
        let grads = try Tensor.actNormBackward(
            input: tape.input, loc: tape.loc, logScale: tape.logScale, gradOutput: gradOutput, gradLogDet: gradLogDet)
        try loc.accumulate(grads.loc)
        try logScale.accumulate(grads.logScale)
        return BijectorGradients(input: grads.input, context: nil)
    }

    private func check(_ op: String, _ x: Tensor) throws {
        guard (2...4).contains(x.rank), x.shape[1] == channels, x.count > 0 else {
            throw FlowError.shapeMismatch(op: op, detail: "input \(x.shape), expected [B, \(channels), …] with B ≥ 1")
        }
    }
}
