import FlowRuntime
import Foundation

/// A small square matrix in Double on the host, for the C×C linear algebra of the channel-mixing
/// transforms (random rotations, LU factors, determinants, inverses). C is the channel count of a
/// Glow step (4–64), so these O(C³) loops cost microseconds; they run on the host in float64 as Glow's
/// reference implementation does, because the runtime has no factorisation ops.
struct HostSquareMatrix {
    let size: Int
    /// Row-major.
    var values: [Double]

    init(size: Int, values: [Double]) {
        precondition(values.count == size * size, "HostSquareMatrix: \(values.count) values for \(size)×\(size)")
        self.size = size
        self.values = values
    }

    /// Reads a `[C, C]` tensor (synchronises with its device).
    init(_ tensor: Tensor) throws {
        guard tensor.rank == 2, tensor.shape[0] == tensor.shape[1] else {
            throw FlowError.shapeMismatch(op: "HostSquareMatrix", detail: "\(tensor.shape) is not a square matrix")
        }
        self.init(size: tensor.shape[0], values: try tensor.toArray().map(Double.init))
    }

    static func identity(_ size: Int) -> HostSquareMatrix {
        var matrix = HostSquareMatrix(size: size, values: [Double](repeating: 0, count: size * size))
        for i in 0..<size { matrix[i, i] = 1 }
        return matrix
    }

    subscript(row: Int, column: Int) -> Double {
        get { values[row * size + column] }
        set { values[row * size + column] = newValue }
    }

    var transposed: HostSquareMatrix {
        var result = self
        for i in 0..<size { for j in 0..<size { result[i, j] = self[j, i] } }
        return result
    }

    func tensor(on device: any Device) throws -> Tensor {
        try Tensor(values.map(Float.init), shape: [size, size], on: device)
    }

    /// The orthogonal factor Q of `self = Q·R` (Householder), with the signs chosen so that R has a
    /// positive diagonal: for a standard-normal matrix this Q is a uniformly (Haar) random rotation.
    func orthogonalFactor() -> HostSquareMatrix {
        let n = size
        var r = self
        var q = HostSquareMatrix.identity(n)
        for k in 0..<n {
            let norm = (k..<n).reduce(0.0) { $0 + r[$1, k] * r[$1, k] }.squareRoot()
            guard norm > 0 else { continue }
            var v = (k..<n).map { r[$0, k] }
            v[0] += r[k, k] >= 0 ? norm : -norm
            let vNorm = v.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
            guard vNorm > 0 else { continue }
            v = v.map { $0 / vNorm }
            // R ← H·R and Q ← Q·H with H = I − 2vvᵀ acting on rows/columns k…n−1.
            for column in 0..<n {
                let dot = (k..<n).reduce(0.0) { $0 + v[$1 - k] * r[$1, column] }
                for row in k..<n { r[row, column] -= 2 * v[row - k] * dot }
            }
            for row in 0..<n {
                let dot = (k..<n).reduce(0.0) { $0 + q[row, $1] * v[$1 - k] }
                for column in k..<n { q[row, column] -= 2 * dot * v[column - k] }
            }
        }
        for column in 0..<n where r[column, column] < 0 {
            for row in 0..<n { q[row, column] = -q[row, column] }
        }
        return q
    }

    /// LU with partial pivoting: `self = P·L·U` with `P[rowOrder[i], i] = 1`, L unit lower and U
    /// upper triangular; nil when a pivot is exactly zero (singular).
    func luDecomposition() -> (rowOrder: [Int], lower: HostSquareMatrix, upper: HostSquareMatrix)? {
        let n = size
        var a = self
        var order = Array(0..<n)
        for k in 0..<n {
            let pivot = (k..<n).max { abs(a[$0, k]) < abs(a[$1, k]) } ?? k
            guard a[pivot, k] != 0 else { return nil }
            if pivot != k {
                for column in 0..<n { (a[k, column], a[pivot, column]) = (a[pivot, column], a[k, column]) }
                order.swapAt(k, pivot)
            }
            for row in (k + 1)..<max(k + 1, n) {
                a[row, k] /= a[k, k]
                for column in (k + 1)..<n { a[row, column] -= a[row, k] * a[k, column] }
            }
        }
        var lower = HostSquareMatrix.identity(n)
        var upper = HostSquareMatrix(size: n, values: [Double](repeating: 0, count: n * n))
        for i in 0..<n {
            for j in 0..<n {
                if j < i { lower[i, j] = a[i, j] } else { upper[i, j] = a[i, j] }
            }
        }
        return (order, lower, upper)
    }

    /// `log|det self|`, −∞ for a singular matrix.
    func logAbsDeterminant() -> Double {
        guard let (_, _, upper) = luDecomposition() else { return -.infinity }
        return (0..<size).reduce(0.0) { $0 + log(abs(upper[$1, $1])) }
    }

    /// `self⁻¹` by LU solves, or an error naming `op` for a singular matrix.
    func inverse(op: String) throws -> HostSquareMatrix {
        guard let (order, lower, upper) = luDecomposition() else {
            throw FlowError.invalidArgument(op: op, detail: "the \(size)×\(size) weight matrix is singular")
        }
        let n = size
        var result = HostSquareMatrix(size: n, values: [Double](repeating: 0, count: n * n))
        // self = P·L·U, so self⁻¹ e_j solves L·U·x = Pᵀe_j, whose only 1 is at position i with rowOrder[i] = j.
        for (position, original) in order.enumerated() {
            var y = [Double](repeating: 0, count: n)
            for i in 0..<n {
                var value = i == position ? 1.0 : 0.0
                for k in 0..<i { value -= lower[i, k] * y[k] }
                y[i] = value
            }
            for i in stride(from: n - 1, through: 0, by: -1) {
                var value = y[i]
                for k in (i + 1)..<max(i + 1, n) { value -= upper[i, k] * result[k, original] }
                result[i, original] = value / upper[i, i]
            }
        }
        return result
    }
}
