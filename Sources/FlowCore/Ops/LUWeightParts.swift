/// Glow's LU parametrisation of a `C × C` weight (Kingma & Dhariwal 2018, §3.2):
/// `W = P · (L + I) · (U + diag(signs ⊙ exp(logS)))`, with `L` strictly lower and `U` strictly
/// upper (stored as dense `C × C` tensors whose other entries are ignored), the permutation `P`
/// and the signs fixed. `Tensor.luWeight` assembles it.
public struct LUWeightParts: Sendable {
    public var lower: Tensor
    public var upper: Tensor
    public var logS: Tensor
    public var signs: Tensor
    public var permutation: LUPermutation

    public init(lower: Tensor, upper: Tensor, logS: Tensor, signs: Tensor, permutation: LUPermutation) {
        self.lower = lower
        self.upper = upper
        self.logS = logS
        self.signs = signs
        self.permutation = permutation
    }

    public var channels: Int { permutation.rowOrder.count }

    var buffers: LUWeightBuffers {
        LUWeightBuffers(
            channels: channels, lower: lower.buffer, upper: upper.buffer, logS: logS.buffer, signs: signs.buffer,
            rowOrder: permutation.rowOrder.buffer, rowSource: permutation.rowSource.buffer)
    }
}

/// The permutation `P` of an LU weight, `P[rowOrder[i], i] = 1`, as device indices both ways.
public struct LUPermutation: Sendable {
    public let rowOrder: IndexTensor
    /// `rowOrder`'s inverse: `rowSource[rowOrder[i]] = i`.
    public let rowSource: IndexTensor
    /// The fixed matrices the fallback of `Tensor.luWeight` computes with.
    let constants: LUConstants

    /// Checks that `rowOrder` is a permutation of `0..<rowOrder.count`, naming `op` otherwise.
    public init(rowOrder: [Int], on device: any Device, op: String) throws {
        let channels = rowOrder.count
        var source = [Int32](repeating: -1, count: channels)
        for (i, row) in rowOrder.enumerated() {
            guard (0..<channels).contains(row), source[row] < 0 else {
                throw FlowError.invalidArgument(op: op, detail: "rowOrder \(rowOrder) is not a permutation of 0..<\(channels)")
            }
            source[row] = Int32(i)
        }
        self.rowOrder = try IndexTensor(rowOrder.map { Int32($0) }, on: device)
        rowSource = try IndexTensor(source, on: device)
        constants = try LUConstants(rowOrder: rowOrder, on: device)
    }
}

/// `P` as a matrix, the strict triangles' masks and the identity, for the fallback.
struct LUConstants: Sendable {
    var permutation: Tensor
    var lowerMask: Tensor
    var upperMask: Tensor
    var identity: Tensor

    init(rowOrder: [Int], on device: any Device) throws {
        let n = rowOrder.count
        let cells = (0..<n).flatMap { i in (0..<n).map { j in (i, j) } }
        var permutationValues = [Float](repeating: 0, count: n * n)
        for (i, row) in rowOrder.enumerated() { permutationValues[row * n + i] = 1 }
        permutation = try Tensor(permutationValues, shape: [n, n], on: device)
        lowerMask = try Tensor(cells.map { $1 < $0 ? 1 : 0 }, shape: [n, n], on: device)
        upperMask = try Tensor(cells.map { $1 > $0 ? 1 : 0 }, shape: [n, n], on: device)
        identity = try Tensor(cells.map { $0 == $1 ? 1 : 0 }, shape: [n, n], on: device)
    }
}
