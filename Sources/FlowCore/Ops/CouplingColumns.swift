/// Which columns of a `[B, D]` input a vector coupling keeps (passes through and feeds to its
/// conditioner) and which it transforms: `order` lists the kept columns, then the transformed
/// ones, and `inverseOrder` is its inverse permutation. Built once per coupling, so the index
/// tensors are uploaded once.
public struct CouplingColumns: Sendable {
    /// Number of kept columns: the first `kept` entries of `order`.
    public let kept: Int
    public let order: IndexTensor
    public let inverseOrder: IndexTensor

    /// `kept` and `transformed` must together list every column of `0..<D` exactly once, with
    /// both parts non-empty.
    public init(kept: [Int], transformed: [Int], on device: any Device) throws {
        let permutation = kept + transformed
        let features = permutation.count
        guard !kept.isEmpty, !transformed.isEmpty, features <= Int(Int32.max),
            Set(permutation) == Set(0..<features)
        else {
            throw FlowError.invalidArgument(
                op: "CouplingColumns", detail: "kept \(kept) and transformed \(transformed) must split 0..<\(features), both non-empty")
        }
        var inverse = [Int32](repeating: 0, count: features)
        for (position, column) in permutation.enumerated() { inverse[column] = Int32(position) }
        self.kept = kept.count
        order = try IndexTensor(permutation.map(Int32.init), on: device)
        inverseOrder = try IndexTensor(inverse, on: device)
    }

    public var features: Int { order.count }
    public var transformed: Int { order.count - kept }
}
