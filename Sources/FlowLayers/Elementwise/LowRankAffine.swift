import FlowRuntime
import Foundation

/// Affine map with a lower-triangular plus low-rank matrix, the structured affine bijector of Eric
/// Jang's normalizing-flow tutorial (TensorFlow's `Affine(scale_tril, scale_perturb_factor,
/// scale_perturb_diag)`). For vectors `[B, D]`:
///
///     y = A·x + b,   A = L + V·diag(d)·Vᵀ
///     log|det J| = log|det L| + log|det(I_r + diag(d)·Vᵀ·L⁻¹·V)|
///
/// with `L` lower-triangular with diagonal `exp(s)` (positive, so `log|det L| = Σ s`), `V: [D, r]`,
/// `d: [r]`. The log-det is the matrix determinant lemma `det(L + VDVᵀ) = det(D⁻¹ + VᵀL⁻¹V)·det D·det L`
/// with `det D` moved inside (`det(D⁻¹ + VᵀL⁻¹V)·det D = det(I + D·VᵀL⁻¹V)`), which stays defined
/// when some `d_k = 0` (as at initialisation): O(D²r) work instead of O(D³).
///
/// Starts as the identity (`L = I`, `d = 0`, `b = 0`; `V` random so that `d` receives gradients).
///
/// Host work (documented syncs): the log-det and `A⁻¹` are computed in Double on the host from the
/// parameters (`lower`, `s`, `V`, `d`: four small reads per forward). `inverse` and `backward` solve
/// with `A⁻¹` (O(D³), Gauss–Jordan with partial pivoting) and upload it: one D×D upload each.
/// Activations never leave the device.
public final class LowRankAffine: Bijector {
    public let name: String
    public let features: Int
    public let rank: Int
    /// `L` below the diagonal; entries on and above it are masked out (zero gradient).
    public let lower: Parameter
    /// `s`, with `diag(L) = exp(s)`.
    public let logDiagonal: Parameter
    /// `V: [D, r]`.
    public let factors: Parameter
    /// `d: [r]`.
    public let diagonal: Parameter
    public let bias: Parameter
    private let strictLowerMask: Tensor
    private let identity: Tensor

    public init(name: String = "LowRankAffine", features: Int, rank: Int, random: inout RandomStream, on device: any Device) throws {
        guard features > 0, rank > 0 else {
            throw FlowError.invalidArgument(op: "LowRankAffine(\(name))", detail: "features \(features) and rank \(rank) must be positive")
        }
        self.name = name
        self.features = features
        self.rank = rank
        lower = Parameter("\(name).lower", try Tensor.zeros([features, features], on: device))
        logDiagonal = Parameter("\(name).logDiagonal", try Tensor.zeros([features], on: device))
        let bound = 1 / Float(features).squareRoot()
        factors = Parameter("\(name).factors", try random.uniform([features, rank], low: -bound, high: bound, on: device))
        diagonal = Parameter("\(name).diagonal", try Tensor.zeros([rank], on: device))
        bias = Parameter("\(name).bias", try Tensor.zeros([features], on: device))
        let cells = (0..<features * features).map { ($0 / features, $0 % features) }
        strictLowerMask = try Tensor(cells.map { $0.1 < $0.0 ? 1 : 0 }, shape: [features, features], on: device)
        identity = try Tensor(cells.map { $0.1 == $0.0 ? 1 : 0 }, shape: [features, features], on: device)
    }

    public var parameters: [Parameter] { [lower, logDiagonal, factors, diagonal, bias] }

    struct Tape: BijectorTape {
        var input: Tensor
        var matrix: Tensor
        var host: HostMatrix
    }

    public func forward(_ x: Tensor, context: Tensor?) throws -> (result: BijectorResult, tape: any BijectorTape) {
        try checkInput(x)
        let matrix = try self.matrix()
        let host = try HostMatrix(self)
        let output = try x.linear(weight: matrix, bias: bias.value)
        let logDet = try Tensor.full([x.batch], value: Float(host.logAbsDeterminant()), on: x.device)
        return (BijectorResult(output: output, logDet: logDet), Tape(input: x, matrix: matrix, host: host))
    }

    public func inverse(_ z: Tensor, context: Tensor?) throws -> BijectorResult {
        try checkInput(z)
        let host = try HostMatrix(self)
        let inverse = try Tensor(try host.inverse().map(Float.init), shape: [features, features], on: z.device)
        let output = try z.subtracting(bias.value).linear(weight: inverse)
        let logDet = try Tensor.full([z.batch], value: Float(-host.logAbsDeterminant()), on: z.device)
        return BijectorResult(output: output, logDet: logDet)
    }

    /// With `G = ∂L/∂A = gyᵀ·x + (Σ_b ∂L/∂logDet_b)·A⁻ᵀ`: `∂L/∂lower = G` below the diagonal,
    /// `∂L/∂s_i = G_ii·exp(s_i)`, `∂L/∂V = (G + Gᵀ)·V·diag(d)`, `∂L/∂d_k = v_kᵀ·G·v_k`.
    public func backward(_ tape: any BijectorTape, gradOutput: Tensor, gradLogDet: Tensor) throws -> BijectorGradients {
        let tape = try self.tape(tape, as: Tape.self)
        let device = gradOutput.device
        let grads = try Tensor.linearBackward(input: tape.input, weight: tape.matrix, hasBias: true, gradOutput: gradOutput)
        let inverseTransposed = try Tensor(
            transposed(tape.host.inverse()).map(Float.init), shape: [1, 1, features * features], on: device)
        let logDetPart = try inverseTransposed.applying(.multiply, gradLogDet.sum()).reshaped([features, features])
        let g = try grads.weight.adding(logDetPart)
        try lower.accumulate(g.multiplying(strictLowerMask))
        try logDiagonal.accumulate(g.multiplying(identity).channelSum().multiplying(logDiagonal.value.unary(.exp)))
        let scaledFactors = try factors.value.applying(.multiply, diagonal.value)
        try factors.accumulate(g.matmul(scaledFactors).adding(g.matmul(scaledFactors, transposeSelf: true)))
        try diagonal.accumulate(factors.value.multiplying(g.matmul(factors.value)).channelSum())
        if let gradBias = grads.bias { try bias.accumulate(gradBias) }
        return BijectorGradients(input: grads.input, context: nil)
    }

    /// `A = L + V·diag(d)·Vᵀ` on the device.
    private func matrix() throws -> Tensor {
        let strict = try lower.value.multiplying(strictLowerMask)
        let diagonalPart = try identity.applying(.multiply, logDiagonal.value.unary(.exp))
        let lowRank = try factors.value.applying(.multiply, diagonal.value).matmul(factors.value, transposeOther: true)
        return try strict.adding(diagonalPart).adding(lowRank)
    }

    private func checkInput(_ x: Tensor) throws {
        guard x.rank == 2, x.shape[1] == features else {
            throw FlowError.shapeMismatch(op: name, detail: "input \(x.shape), expected [B, \(features)]")
        }
    }

    private func transposed(_ m: [Double]) -> [Double] {
        (0..<m.count).map { m[($0 % features) * features + $0 / features] }
    }

    /// The parameters read back in Double (row-major), and the small dense algebra on them.
    struct HostMatrix {
        let n: Int
        let r: Int
        let lower: [Double]
        let logDiagonal: [Double]
        let factors: [Double]
        let diagonal: [Double]

        init(_ layer: LowRankAffine) throws {
            let n = layer.features
            self.n = n
            r = layer.rank
            let strict = try layer.lower.value.toArray().map(Double.init)
            lower = (0..<n * n).map { $0 % n < $0 / n ? strict[$0] : 0 }
            logDiagonal = try layer.logDiagonal.value.toArray().map(Double.init)
            factors = try layer.factors.value.toArray().map(Double.init)
            diagonal = try layer.diagonal.value.toArray().map(Double.init)
        }

        /// `Σ s + log|det(I + diag(d)·Vᵀ·M)|` with `M = L⁻¹V` by forward substitution.
        func logAbsDeterminant() -> Double {
            var m = [Double](repeating: 0, count: n * r)
            for k in 0..<r {
                for i in 0..<n {
                    var value = factors[i * r + k]
                    for j in 0..<i { value -= lower[i * n + j] * m[j * r + k] }
                    m[i * r + k] = value / exp(logDiagonal[i])
                }
            }
            var capacitance = [Double](repeating: 0, count: r * r)
            for k in 0..<r {
                for l in 0..<r {
                    let product = (0..<n).reduce(0.0) { $0 + factors[$1 * r + k] * m[$1 * r + l] }
                    capacitance[k * r + l] = (k == l ? 1 : 0) + diagonal[k] * product
                }
            }
            return logDiagonal.reduce(0, +) + Self.eliminate(capacitance, n: r).logAbsDeterminant
        }

        /// `A⁻¹` (row-major); throws when `A` is singular in Double.
        func inverse() throws -> [Double] {
            var a = [Double](repeating: 0, count: n * n)
            for i in 0..<n {
                for j in 0..<n {
                    let lowRank = (0..<r).reduce(0.0) { $0 + factors[i * r + $1] * diagonal[$1] * factors[j * r + $1] }
                    a[i * n + j] = lower[i * n + j] + (i == j ? exp(logDiagonal[i]) : 0) + lowRank
                }
            }
            guard let inverse = Self.eliminate(a, n: n).inverse else {
                throw FlowError.invalidArgument(op: "LowRankAffine.inverse", detail: "L + V·diag(d)·Vᵀ is singular")
            }
            return inverse
        }

        /// Gauss–Jordan elimination with partial pivoting: `log|det a|` and `a⁻¹` (nil if singular).
        static func eliminate(_ matrix: [Double], n: Int) -> (logAbsDeterminant: Double, inverse: [Double]?) {
            var a = matrix
            var b = (0..<n * n).map { $0 / n == $0 % n ? 1.0 : 0.0 }
            var total = 0.0
            for k in 0..<n {
                let pivot = (k..<n).max { abs(a[$0 * n + k]) < abs(a[$1 * n + k]) } ?? k
                if a[pivot * n + k] == 0 { return (-.infinity, nil) }
                for column in 0..<n {
                    a.swapAt(k * n + column, pivot * n + column)
                    b.swapAt(k * n + column, pivot * n + column)
                }
                let diagonal = a[k * n + k]
                total += log(abs(diagonal))
                for column in 0..<n {
                    a[k * n + column] /= diagonal
                    b[k * n + column] /= diagonal
                }
                for row in 0..<n where row != k {
                    let factor = a[row * n + k]
                    guard factor != 0 else { continue }
                    for column in 0..<n {
                        a[row * n + column] -= factor * a[k * n + column]
                        b[row * n + column] -= factor * b[k * n + column]
                    }
                }
            }
            return (total, b)
        }
    }
}
