import FlowRuntime
import Foundation

/// Glow's LU-parametrised invertible 1×1 convolution (Kingma & Dhariwal 2018, arXiv:1807.03039,
/// §3.2; the mixing layer of a Glow step): at every position `y[:, o] = Σ_c W[o, c] · x[:, c]` with
///
///     W = P · (L + I) · (U + diag(sign ⊙ exp(logS))),   log|det J| = positions · Σ logS
///
/// L strictly lower and U strictly upper (stored as dense C×C parameters whose unused triangles
/// are masked out and receive zero gradient), logS trainable, the permutation P and the signs
/// fixed. Forward is data → noise; positions = H·W for images, T for sequences, and 1 for vectors
/// `[B, C]`, where this is an invertible linear layer. It starts as a random rotation: P, L, U
/// come from the partial-pivoting LU of the Q of the QR of a standard-normal matrix.
///
/// Forward and backward stay on the device: `Tensor.luWeight` assembles W with its log-det, and
/// `Tensor.luWeightBackward` takes W's gradient back to L, U and logS (one op each on kernel
/// devices). The inverse reads the assembled W back and inverts it in float64 on the host (one
/// synchronisation), as Glow's reference implementation does.
public final class InvertibleConv1x1LU: Bijector {
    public let name: String
    public let channels: Int
    public let lower: Parameter
    public let upper: Parameter
    public let logS: Parameter
    /// The fixed permutation, `P[rowOrder[i], i] = 1` (save it with the parameters in checkpoints).
    public let rowOrder: [Int]
    /// The fixed signs of U's diagonal.
    public let signs: [Float]
    private let signTensor: Tensor
    private let permutation: LUPermutation

    public init(name: String = "InvertibleConv1x1LU", channels: Int, random: inout RandomStream, on device: any Device) throws {
        let op = "InvertibleConv1x1LU(\(name))"
        guard channels >= 1 else { throw FlowError.invalidArgument(op: op, detail: "channels must be positive, got \(channels)") }
        let rotation = try HostSquareMatrix(random.next([channels, channels], .normal, on: device)).orthogonalFactor()
        guard let (rowOrder, unitLower, fullUpper) = rotation.luDecomposition() else {
            throw FlowError.invalidArgument(op: op, detail: "random rotation is singular")
        }
        let n = channels
        let cells = (0..<n).flatMap { i in (0..<n).map { j in (i, j) } }
        self.name = name
        self.channels = channels
        self.rowOrder = rowOrder
        signs = (0..<n).map { fullUpper[$0, $0] < 0 ? -1 : 1 }
        lower = Parameter("\(name).lower", try Tensor(cells.map { Float($1 < $0 ? unitLower[$0, $1] : 0) }, shape: [n, n], on: device))
        upper = Parameter("\(name).upper", try Tensor(cells.map { Float($1 > $0 ? fullUpper[$0, $1] : 0) }, shape: [n, n], on: device))
        logS = Parameter("\(name).logS", try Tensor((0..<n).map { Float(log(abs(fullUpper[$0, $0]))) }, shape: [n], on: device))
        signTensor = try Tensor(signs, shape: [n], on: device)
        permutation = try LUPermutation(rowOrder: rowOrder, on: device, op: op)
    }

    public var parameters: [Parameter] { [lower, upper, logS] }

    struct Tape: BijectorTape {
        var input: Tensor
        var weight: Tensor
        var weightTape: LUWeightTape
    }

    private var parts: LUWeightParts {
        LUWeightParts(lower: lower.value, upper: upper.value, logS: logS.value, signs: signTensor, permutation: permutation)
    }

    /// W and the per-sample log-det `sign · positions · Σ logS` for `batch` samples.
    private func assemble(batch: Int, positions: Int, sign: Float) throws -> (weight: Tensor, logDet: Tensor, tape: LUWeightTape) {
        try Tensor.luWeight(parts, batch: batch, logDetScale: sign * Float(positions))
    }

    /// The assembled C×C weight W (for inspection and for comparing with other implementations).
    public func assembledWeight() throws -> Tensor { try assemble(batch: 1, positions: 1, sign: 1).weight }

    public func forward(_ x: Tensor, context: Tensor?) throws -> (result: BijectorResult, tape: any BijectorTape) {
        try ChannelMixing.check("\(name).forward", x, channels: channels)
        let assembled = try assemble(batch: x.batch, positions: ChannelMixing.positions(x), sign: 1)
        let output = try ChannelMixing.apply(x, weight: assembled.weight)
        return (
            BijectorResult(output: output, logDet: assembled.logDet),
            Tape(input: x, weight: assembled.weight, weightTape: assembled.tape)
        )
    }

    public func inverse(_ z: Tensor, context: Tensor?) throws -> BijectorResult {
        try ChannelMixing.check("\(name).inverse", z, channels: channels)
        let assembled = try assemble(batch: z.batch, positions: ChannelMixing.positions(z), sign: -1)
        let host = try HostSquareMatrix(assembled.weight)  // synchronises: see the type's documentation
        let inverseWeight = try host.inverse(op: "\(name).inverse").tensor(on: z.device)
        return BijectorResult(output: try ChannelMixing.apply(z, weight: inverseWeight), logDet: assembled.logDet)
    }

    /// The data gradient and W's through the 1×1 convolution, then W's back to L, U and logS
    /// (`Tensor.luWeightBackward`, which also adds the log-det's share to logS).
    public func backward(_ tape: any BijectorTape, gradOutput: Tensor, gradLogDet: Tensor) throws -> BijectorGradients {
        let tape = try self.tape(tape, as: Tape.self)
        let grads = try ChannelMixing.backward(input: tape.input, weight: tape.weight, gradOutput: gradOutput)
        let partGrads = try Tensor.luWeightBackward(tape.weightTape, gradWeight: grads.weight, gradLogDet: gradLogDet)
        try lower.accumulate(taking: partGrads.lower)
        try upper.accumulate(taking: partGrads.upper)
        try logS.accumulate(taking: partGrads.logS)
        return BijectorGradients(input: grads.input, context: nil)
    }
}
