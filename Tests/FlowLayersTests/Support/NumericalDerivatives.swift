import Foundation

/// Derivatives of float32 computations by finite differences, assembled in Double.
///
/// The functions under test run in float32 on a device, so each evaluation carries a relative
/// rounding error of about 1e-7. The five-point stencil `[f(−2h) − 8f(−h) + 8f(h) − f(2h)] / 12h`
/// has truncation error O(h⁴): with h = 1e-2 that is ~1e-8·|f⁽⁵⁾| while rounding contributes about
/// 1.5·ε·|f|/h ≈ 1e-5·|f|. That sets the tolerances the tests state.
enum NumericalDerivatives {
    static let step = 1e-2

    /// d/dt f(t) at 0.
    static func derivative(_ f: (Double) throws -> Double) rethrows -> Double {
        let h = step
        return (try f(-2 * h) - 8 * f(-h) + 8 * f(h) - f(2 * h)) / (12 * h)
    }

    /// Jacobian of a vector function at 0 along each coordinate: `columns[j] = ∂f/∂x_j`.
    static func jacobian(dimension: Int, _ f: ([Double]) throws -> [Double]) rethrows -> [[Double]] {
        let h = step
        var columns: [[Double]] = []
        for j in 0..<dimension {
            func at(_ t: Double) throws -> [Double] {
                var delta = [Double](repeating: 0, count: dimension)
                delta[j] = t
                return try f(delta)
            }
            let (m2, m1, p1, p2) = (try at(-2 * h), try at(-h), try at(h), try at(2 * h))
            columns.append((0..<m2.count).map { (m2[$0] - 8 * m1[$0] + 8 * p1[$0] - p2[$0]) / (12 * h) })
        }
        return columns
    }

    /// log|det M| by LU decomposition with partial pivoting (M given by columns).
    static func logAbsDeterminant(columns: [[Double]]) -> Double {
        let n = columns.count
        var a = (0..<n).map { row in (0..<n).map { column in columns[column][row] } }
        var total = 0.0
        for k in 0..<n {
            let pivot = (k..<n).max { abs(a[$0][k]) < abs(a[$1][k]) } ?? k
            a.swapAt(k, pivot)
            let diagonal = a[k][k]
            if diagonal == 0 { return -.infinity }
            total += log(abs(diagonal))
            for row in (k + 1)..<max(k + 1, n) {
                let factor = a[row][k] / diagonal
                for column in k..<n { a[row][column] -= factor * a[k][column] }
            }
        }
        return total
    }
}
