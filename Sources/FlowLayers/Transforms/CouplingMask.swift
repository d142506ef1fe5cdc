import FlowRuntime

/// How a coupling divides its input into a kept part (passed through unchanged, and fed to the
/// conditioner) and a transformed part, and how it reads the transform's parameters off the
/// conditioner's output. Split and merge are linear, so each is the other's backward.
public protocol CouplingMask {
    /// `x → (kept, transformed)`.
    func split(_ x: Tensor) throws -> (kept: Tensor, transformed: Tensor)
    /// Inverse of `split`.
    func merge(kept: Tensor, transformed: Tensor) throws -> Tensor
    /// The conditioner's input built from the kept part (for checkerboard masks, the image with
    /// the transformed positions zeroed), and the backward of that map.
    func conditionerInput(_ kept: Tensor) throws -> Tensor
    func conditionerInputBackward(_ grad: Tensor) throws -> Tensor
    /// The conditioner's output cut into `count` tensors shaped like the transformed part, in the
    /// output's order, and the backward of that cut.
    func pieces(of output: Tensor, count: Int) throws -> [Tensor]
    func piecesBackward(_ grads: [Tensor]) throws -> Tensor
}

/// Vector masks for `[B, D]` inputs.
public struct VectorMask: CouplingMask {
    public enum Pattern: Sendable {
        /// Condition on features `[0, ⌊D/2⌋)` and transform the rest (`conditionOnFirst`), or the reverse.
        case half(conditionOnFirst: Bool)
        /// Condition on the even-indexed features and transform the odd ones (`conditionOnEven`), or the reverse.
        case alternating(conditionOnEven: Bool)
    }

    public let features: Int
    public let kept: [Int]
    public let transformed: [Int]
    /// The kept and transformed columns as index tensors, uploaded once.
    public let columns: CouplingColumns

    public init(features: Int, pattern: Pattern, on device: any Device) throws {
        guard features >= 2 else {
            throw FlowError.invalidArgument(op: "VectorMask", detail: "a coupling needs at least 2 features, got \(features)")
        }
        let all = Array(0..<features)
        switch pattern {
        case let .half(first):
            let cut = first ? features / 2 : features - features / 2
            (kept, transformed) = first ? (Array(all[..<cut]), Array(all[cut...])) : (Array(all[cut...]), Array(all[..<cut]))
        case let .alternating(even):
            let evens = all.filter { $0 % 2 == 0 }
            let odds = all.filter { $0 % 2 == 1 }
            (kept, transformed) = even ? (evens, odds) : (odds, evens)
        }
        self.features = features
        columns = try CouplingColumns(kept: kept, transformed: transformed, on: device)
    }

    public func split(_ x: Tensor) throws -> (kept: Tensor, transformed: Tensor) {
        guard x.rank == 2, x.shape[1] == features else {
            throw FlowError.shapeMismatch(op: "VectorMask.split", detail: "input \(x.shape), expected [B, \(features)]")
        }
        let parts = try x.gather(columns.order).split([kept.count, transformed.count])
        return (parts[0], parts[1])
    }

    public func merge(kept: Tensor, transformed: Tensor) throws -> Tensor {
        try Tensor.concat([kept, transformed]).gather(columns.inverseOrder)
    }

    public func conditionerInput(_ kept: Tensor) throws -> Tensor { kept }
    public func conditionerInputBackward(_ grad: Tensor) throws -> Tensor { grad }

    public func pieces(of output: Tensor, count: Int) throws -> [Tensor] {
        guard output.rank == 2, output.shape[1] == count * transformed.count else {
            throw FlowError.shapeMismatch(
                op: "VectorMask.pieces", detail: "conditioner output \(output.shape), expected [B, \(count * transformed.count)]")
        }
        return try output.split(Array(repeating: transformed.count, count: count))
    }

    public func piecesBackward(_ grads: [Tensor]) throws -> Tensor { try Tensor.concat(grads) }
}
