import FlowRuntime
import Foundation

/// Glow's LU-parametrised weight in Double, with every matrix written out: `P` from the row order
/// (`P[rowOrder[i], i] = 1`), the masked triangles, and the products as plain triple loops.
public struct ReferenceLUWeight: Sendable {
    public let channels: Int
    /// The parts it was built from.
    public let lower: [Double], upper: [Double], logS: [Double], signs: [Double], rowOrder: [Int]
    /// `P`, `P · (L + I)`, `U + diag(d)`, `d = signs ⊙ exp(logS)` and `W`, row-major.
    public let permutation: [Double]
    public let permutedLower: [Double]
    public let upperFull: [Double]
    public let diagonal: [Double]
    public let weight: [Double]

    public init(lower: [Double], upper: [Double], logS: [Double], signs: [Double], rowOrder: [Int]) {
        let n = rowOrder.count
        channels = n
        (self.lower, self.upper, self.logS, self.signs, self.rowOrder) = (lower, upper, logS, signs, rowOrder)
        var permutation = [Double](repeating: 0, count: n * n)
        for (i, row) in rowOrder.enumerated() { permutation[row * n + i] = 1 }
        let unitLower = (0..<n * n).map { e in e % n < e / n ? lower[e] : (e % n == e / n ? 1 : 0) }
        diagonal = (0..<n).map { signs[$0] * exp(logS[$0]) }
        let diagonal = diagonal
        upperFull = (0..<n * n).map { e in e % n > e / n ? upper[e] : (e % n == e / n ? diagonal[e / n] : 0) }
        self.permutation = permutation
        permutedLower = Self.product(permutation, unitLower, n)
        weight = Self.product(permutedLower, upperFull, n)
    }

    /// Random parts for `n` channels: every entry random, the unused triangles included (an op
    /// must not read them), logS in ±0.7, signs of both kinds and a random row order.
    public static func random(channels n: Int, random rng: inout SeededRandom) -> ReferenceLUWeight {
        let (lower, upper, logS) = (rng.floats(n * n), rng.floats(n * n), rng.floats(n, in: -0.7...0.7))
        let signs: [Double] = (0..<n).map { _ in rng.nextDouble() < 0.5 ? -1 : 1 }
        var order = Array(0..<n)
        for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, rng.int(in: 0...i)) }
        return ReferenceLUWeight(lower: lower, upper: upper, logS: logS, signs: signs, rowOrder: order)
    }

    /// These parts as float32 tensors on `device`, what `Tensor.luWeight` takes.
    public func parts(on device: any Device) throws -> LUWeightParts {
        let n = channels
        let tensor = { (values: [Double], shape: [Int]) in try Tensor(values.map(Float.init), shape: shape, on: device) }
        return LUWeightParts(
            lower: try tensor(lower, [n, n]), upper: try tensor(upper, [n, n]), logS: try tensor(logS, [n]), signs: try tensor(signs, [n]),
            permutation: try LUPermutation(rowOrder: rowOrder, on: device, op: "ReferenceLUWeight"))
    }

    /// Per-entry tolerance of W: each entry sums ≤ C products, and the diagonal's exp adds a few
    /// ulps to its terms.
    public var weightTolerance: [Double] {
        Tolerance.accumulated(terms: channels, magnitude: Self.product(permutedLower.map(abs), upperFull.map(abs), channels), termError: 1e-6)
    }

    /// Tolerance of the log-det `logDetScale · Σ logS`.
    public func logDetTolerance(logDetScale: Double) -> Double {
        Tolerance.accumulated(terms: channels, magnitude: [abs(logDetScale) * logS.map(abs).reduce(0, +)])[0]
    }

    /// Per-entry tolerances of `gradients`: the same products on absolute values (two chained
    /// products for ∂lower, the log-det's share for ∂logS).
    public func gradientTolerances(gradWeight: [Double], gradLogDet: [Double], logDetScale: Double) -> (lower: [Double], upper: [Double], logS: [Double]) {
        let n = channels
        let absG = gradWeight.map(abs)
        let lowerMagnitude = Self.product(Self.product(Self.transposed(permutation, n), absG, n), Self.transposed(upperFull.map(abs), n), n)
        let upperMagnitude = Self.product(Self.transposed(permutedLower.map(abs), n), absG, n)
        let logSMagnitude = (0..<n).map { upperMagnitude[$0 * n + $0] * abs(diagonal[$0]) + abs(logDetScale) * gradLogDet.map(abs).reduce(0, +) }
        return (
            lower: Tolerance.accumulated(terms: 2 * n, magnitude: lowerMagnitude, termError: 1e-6),
            upper: Tolerance.accumulated(terms: n, magnitude: upperMagnitude),
            logS: Tolerance.accumulated(terms: n + gradLogDet.count, magnitude: logSMagnitude, termError: 1e-6)
        )
    }

    /// `A · B` for `n × n` matrices.
    public static func product(_ a: [Double], _ b: [Double], _ n: Int) -> [Double] {
        (0..<n * n).map { e in (0..<n).reduce(0.0) { $0 + a[(e / n) * n + $1] * b[$1 * n + e % n] } }
    }

    /// `Aᵀ` of an `n × n` matrix.
    public static func transposed(_ a: [Double], _ n: Int) -> [Double] { (0..<n * n).map { e in a[(e % n) * n + e / n] } }

    /// `∂L/∂L`, `∂L/∂U` (zero outside their strict triangles) and `∂L/∂logS`, from `G = ∂L/∂W`
    /// and the log-det's gradient (the log-det being `logDetScale · Σ logS` per sample).
    public func gradients(gradWeight: [Double], gradLogDet: [Double], logDetScale: Double) -> (lower: [Double], upper: [Double], logS: [Double]) {
        let n = channels
        let lowerFull = Self.product(Self.product(Self.transposed(permutation, n), gradWeight, n), Self.transposed(upperFull, n), n)
        let upperGrad = Self.product(Self.transposed(permutedLower, n), gradWeight, n)
        let logDetShare = logDetScale * gradLogDet.reduce(0, +)
        return (
            lower: (0..<n * n).map { e in e % n < e / n ? lowerFull[e] : 0 },
            upper: (0..<n * n).map { e in e % n > e / n ? upperGrad[e] : 0 },
            logS: (0..<n).map { upperGrad[$0 * n + $0] * diagonal[$0] + logDetShare }
        )
    }
}
