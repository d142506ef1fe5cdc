import FlowRuntime
import Foundation

/// Uniform dequantization of integer data (Theis, van den Oord & Bethge 2016, arXiv:1511.01844;
/// the preprocessing of RealNVP, Dinh et al. 2017, arXiv:1605.08803 §4.1). For data
/// `v ∈ {0, …, L−1}^D` per sample (L levels; `L = 2^n` for n-bit images, `L = 17` for the 8×8 digits):
///
///     x = (v + u)/L + offset,   u ~ U[0, 1)^D drawn fresh at every forward pass
///     log|det J| = −D·ln L      (−D·n·ln 2 for n-bit data)
///
/// What the log-det counts: `y = v + u` has unit-volume cells, one per discrete value, and its
/// density `p_y(y)` is at most the probability mass of `v`: `E_u[log p_y(v + u)] ≤ log P(v)`
/// (Jensen). The map `y → x` shrinks volumes by `L^D`, so `log p_y(y) = log p_x(x) − D·ln L`. With
/// this transform first in a flow, `−flow.logProb(v)` is therefore a one-sample estimate of an
/// upper bound on the discrete NLL in nats, and `bitsPerDim` turns it into bits per dimension. The
/// noise `u` itself has density 1 and adds nothing.
///
/// Forms: `offset = 0` maps into `[0, 1)` (n-bit images, then usually `LogitTransform`);
/// the 8×8 digits centred use `levels: 17, offset: −0.5`, i.e. `x = (v + u)/17 − 0.5 ∈ [−0.5, 0.5)`.
///
/// Noise: the transform owns `noise`, a Philox stream position seeded by the caller (typically
/// `random.derived(k)` of the model's seed). Every forward pass draws `B·D` uniforms from it and
/// advances it, so a run is reproducible; `noise` (seed and counter) is the transform's checkpoint
/// state (`StatefulTransform`), so a resumed run continues the exact sequence. Because every call
/// draws new noise, the forward pass is not a fixed function, `inverse` returns the continuous
/// `v + u` (quantize with `quantize`), and `reconstructsInput` is false (a reversible chain must
/// keep `v` rather than rebuild it).
public final class UniformDequantization: Dequantizer {
    public let name: String
    public let levels: Int
    public let offset: Float
    public var noise: RandomStream

    public init(name: String = "UniformDequantization", levels: Int, offset: Float = 0, noise: RandomStream) throws {
        guard levels >= 2 else {
            throw FlowError.invalidArgument(op: "UniformDequantization(\(name))", detail: "need at least 2 levels, got \(levels)")
        }
        self.name = name
        self.levels = levels
        self.offset = offset
        self.noise = noise
    }

    /// n-bit data (`2^n` levels) into `[0, 1)`.
    public convenience init(name: String = "UniformDequantization", bits: Int, noise: RandomStream) throws {
        guard (1...24).contains(bits) else {
            throw FlowError.invalidArgument(op: "UniformDequantization(\(name))", detail: "bits must be in 1...24, got \(bits)")
        }
        try self.init(name: name, levels: 1 << bits, noise: noise)
    }

    public var parameters: [Parameter] { [] }
    public var reconstructsInput: Bool { false }

    struct Tape: BijectorTape {}

    /// `−D·ln L` for samples of `x`'s shape.
    public func logDeterminant(_ x: Tensor) -> Double {
        -Double(x.batch == 0 ? 0 : x.count / x.batch) * log(Double(levels))
    }

    public func forward(_ x: Tensor, context: Tensor?) throws -> (result: BijectorResult, tape: any BijectorTape) {
        let u = try noise.next(x.shape, .uniform, on: x.device)
        let output = try x.adding(u).affine(scale: 1 / Float(levels), shift: offset)
        let logDet = try Tensor.full([x.batch], value: Float(logDeterminant(x)), on: x.device)
        return (BijectorResult(output: output, logDet: logDet), Tape())
    }

    /// `(z − offset)·L`: the dequantized `v + u` in data units.
    public func inverse(_ z: Tensor, context: Tensor?) throws -> BijectorResult {
        let output = try z.affine(scale: Float(levels), shift: -offset * Float(levels))
        return BijectorResult(output: output, logDet: try Tensor.full([z.batch], value: Float(-logDeterminant(z)), on: z.device))
    }

    /// For fixed noise `∂x/∂v = 1/L`; the data are not learned, so this only keeps chains consistent.
    public func backward(_ tape: any BijectorTape, gradOutput: Tensor, gradLogDet: Tensor) throws -> BijectorGradients {
        _ = try self.tape(tape, as: Tape.self)
        return BijectorGradients(input: try gradOutput.scaled(by: 1 / Float(levels)), context: nil)
    }
}
