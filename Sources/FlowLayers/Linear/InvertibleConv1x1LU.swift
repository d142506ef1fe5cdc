import FlowRuntime
import Foundation

/// Glow's LU-parametrised invertible 1×1 convolution (Kingma & Dhariwal 2018, arXiv:1807.03039,
/// §3.2; the W4 step's mixing layer): at every position `y[:, o] = Σ_c W[o, c] · x[:, c]` with
///
///     W = P · (L + I) · (U + diag(sign ⊙ exp(logS))),   log|det J| = positions · Σ logS
///
/// L strictly lower and U strictly upper (stored as dense C×C parameters whose unused triangles
/// are masked out and receive zero gradient), logS trainable, the permutation P and the signs
/// fixed. Forward is data → noise; positions = H·W for images, T for sequences, and 1 for vectors
/// `[B, C]`, where this is an invertible linear layer. It starts as a random rotation: P, L, U
/// come from the partial-pivoting LU of the Q of the QR of a standard-normal matrix.
///
/// Forward and backward stay on the device (W is assembled with masks and two matmuls). The
/// inverse reads the assembled W back and inverts it in float64 on the host (one synchronisation),
/// as the W4 reference does.
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
    private let permutation: Tensor
    private let signTensor: Tensor
    private let lowerMask: Tensor
    private let upperMask: Tensor
    private let identity: Tensor

    public init(name: String = "InvertibleConv1x1LU", channels: Int, random: inout RandomStream, on device: any Device) throws {
        let op = "InvertibleConv1x1LU(\(name))"
        guard channels >= 1 else { throw FlowError.invalidArgument(op: op, detail: "channels must be positive, got \(channels)") }
        let rotation = try HostSquareMatrix(random.next([channels, channels], .normal, on: device)).orthogonalFactor()
        guard let (rowOrder, unitLower, fullUpper) = rotation.luDecomposition() else {
            throw FlowError.invalidArgument(op: op, detail: "random rotation is singular")
        }
        let n = channels
        let cells = (0..<n).flatMap { i in (0..<n).map { j in (i, j) } }
        var permutationValues = [Float](repeating: 0, count: n * n)
        for (i, row) in rowOrder.enumerated() { permutationValues[row * n + i] = 1 }
        self.name = name
        self.channels = channels
        self.rowOrder = rowOrder
        signs = (0..<n).map { fullUpper[$0, $0] < 0 ? -1 : 1 }
        lower = Parameter("\(name).lower", try Tensor(cells.map { Float($1 < $0 ? unitLower[$0, $1] : 0) }, shape: [n, n], on: device))
        upper = Parameter("\(name).upper", try Tensor(cells.map { Float($1 > $0 ? fullUpper[$0, $1] : 0) }, shape: [n, n], on: device))
        logS = Parameter("\(name).logS", try Tensor((0..<n).map { Float(log(abs(fullUpper[$0, $0]))) }, shape: [n], on: device))
        permutation = try Tensor(permutationValues, shape: [n, n], on: device)
        signTensor = try Tensor(signs, shape: [n], on: device)
        lowerMask = try Tensor(cells.map { $1 < $0 ? 1 : 0 }, shape: [n, n], on: device)
        upperMask = try Tensor(cells.map { $1 > $0 ? 1 : 0 }, shape: [n, n], on: device)
        identity = try Tensor(cells.map { $0 == $1 ? 1 : 0 }, shape: [n, n], on: device)
    }

    public var parameters: [Parameter] { [lower, upper, logS] }

    struct Factors {
        /// `P · (L + I)` and `U + diag(d)` with `d = sign ⊙ exp(logS)`.
        var permutedLower: Tensor
        var upperFull: Tensor
        var diagonal: Tensor
        var weight: Tensor
    }

    struct Tape: BijectorTape {
        var input: Tensor
        var factors: Factors
    }

    private func assemble() throws -> Factors {
        let permutedLower = try permutation.matmul(lower.value.multiplying(lowerMask).adding(identity))
        let diagonal = try logS.value.unary(.exp).multiplying(signTensor)
        let upperFull = try upper.value.multiplying(upperMask).adding(identity.applying(.multiply, diagonal))
        return Factors(permutedLower: permutedLower, upperFull: upperFull, diagonal: diagonal, weight: try permutedLower.matmul(upperFull))
    }

    /// The assembled C×C weight W (for inspection and for comparing with other implementations).
    public func assembledWeight() throws -> Tensor { try assemble().weight }

    private func logDet(_ x: Tensor, sign: Float) throws -> Tensor {
        let total = try logS.value.sum().scaled(by: sign * Float(ChannelMixing.positions(x)))
        return try ChannelMixing.broadcast(total, count: x.batch)
    }

    public func forward(_ x: Tensor, context: Tensor?) throws -> (result: BijectorResult, tape: any BijectorTape) {
        try ChannelMixing.check("\(name).forward", x, channels: channels)
        let factors = try assemble()
        let output = try ChannelMixing.apply(x, weight: factors.weight)
        return (BijectorResult(output: output, logDet: try logDet(x, sign: 1)), Tape(input: x, factors: factors))
    }

    public func inverse(_ z: Tensor, context: Tensor?) throws -> BijectorResult {
        try ChannelMixing.check("\(name).inverse", z, channels: channels)
        let host = try HostSquareMatrix(assemble().weight)  // synchronises: see the type's documentation
        let inverseWeight = try host.inverse(op: "\(name).inverse").tensor(on: z.device)
        return BijectorResult(output: try ChannelMixing.apply(z, weight: inverseWeight), logDet: try logDet(z, sign: -1))
    }

    /// With `G = ∂L/∂W`: `∂(L + I) = Pᵀ G (U + diag d)ᵀ`, `∂(U + diag d) = (P (L + I))ᵀ G`, each
    /// masked to its triangle; `∂logS = diag(∂(U + diag d)) ⊙ d + positions · Σ_b ∂L/∂logDet_b`.
    public func backward(_ tape: any BijectorTape, gradOutput: Tensor, gradLogDet: Tensor) throws -> BijectorGradients {
        let tape = try self.tape(tape, as: Tape.self)
        let factors = tape.factors
        let grads = try ChannelMixing.backward(input: tape.input, weight: factors.weight, gradOutput: gradOutput)
        let gradLowerFull = try permutation.matmul(grads.weight, transposeSelf: true).matmul(factors.upperFull, transposeOther: true)
        let gradUpperFull = try factors.permutedLower.matmul(grads.weight, transposeSelf: true)
        let gradDiagonal = try gradUpperFull.multiplying(identity).featureSum()
        let logDetTerm = try gradLogDet.sum().scaled(by: Float(ChannelMixing.positions(tape.input)))
        try lower.accumulate(gradLowerFull.multiplying(lowerMask))
        try upper.accumulate(gradUpperFull.multiplying(upperMask))
        try logS.accumulate(gradDiagonal.multiplying(factors.diagonal).adding(ChannelMixing.broadcast(logDetTerm, count: channels)))
        return BijectorGradients(input: grads.input, context: nil)
    }
}
