import FlowRuntime

/// A permutation of axis 1 and its inverse, uploaded once: the image masks reorder channels or
/// flattened positions with `Tensor.gather`, whose gradient is the gather by the inverse.
struct AxisPermutation: Sendable {
    /// `permuted[:, j] = x[:, order[j]]`.
    let order: IndexTensor
    let inverse: IndexTensor

    init(_ order: [Int], on device: any Device) throws {
        var inverse = [Int32](repeating: -1, count: order.count)
        for (position, index) in order.enumerated() {
            guard index >= 0, index < order.count, inverse[index] < 0 else {
                throw FlowError.invalidArgument(op: "AxisPermutation", detail: "\(order) is not a permutation")
            }
            inverse[index] = Int32(position)
        }
        self.order = try IndexTensor(order.map(Int32.init), on: device)
        self.inverse = try IndexTensor(inverse, on: device)
    }

    /// Applies the permutation along axis 1.
    func apply(_ x: Tensor) throws -> Tensor { try x.gather(order) }
    /// Undoes it (also the backward of `apply`).
    func undo(_ x: Tensor) throws -> Tensor { try x.gather(inverse) }
}
