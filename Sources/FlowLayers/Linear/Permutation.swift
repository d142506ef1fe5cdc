import FlowRuntime

/// A fixed permutation of features (`[B, D]`) or channels (`[B, C, …]`) along axis 1:
///
///     y[:, j] = x[:, order[j]],   log|det J| = 0
///
/// Forward is data → noise. Flows put one between couplings or autoregressive blocks so every
/// dimension gets transformed: the reversal (MAF: Papamakarios et al. 2017,
/// arXiv:1705.07057; RealNVP, arXiv:1605.08803) or a random shuffle (Glow's baseline,
/// arXiv:1807.03039). The backward of a gather is the gather by the inverse permutation.
public final class Permutation: Bijector, EntryPermuting {
    public let name: String
    /// `y[:, j] = x[:, order[j]]`.
    public let order: [Int]
    private let forwardIndices: IndexTensor
    private let inverseIndices: IndexTensor

    public init(name: String = "Permutation", order: [Int], on device: any Device) throws {
        guard !order.isEmpty, order.sorted() == Array(0..<order.count) else {
            throw FlowError.invalidArgument(op: "Permutation(\(name))", detail: "\(order) is not a permutation of 0..<\(order.count)")
        }
        var inverse = [Int32](repeating: 0, count: order.count)
        for (position, index) in order.enumerated() { inverse[index] = Int32(position) }
        self.name = name
        self.order = order
        forwardIndices = try IndexTensor(order.map { Int32($0) }, on: device)
        inverseIndices = try IndexTensor(inverse, on: device)
    }

    /// A uniformly random permutation: the ranks of `features` uniform draws from `random`
    /// (read back to the host once, at construction).
    public convenience init(name: String = "Permutation", features: Int, random: inout RandomStream, on device: any Device) throws {
        guard features >= 1 else {
            throw FlowError.invalidArgument(op: "Permutation(\(name))", detail: "features must be positive, got \(features)")
        }
        let keys = try random.next([features], .uniform, on: device).toArray()
        try self.init(name: name, order: (0..<features).sorted { (keys[$0], $0) < (keys[$1], $1) }, on: device)
    }

    /// `order = [D−1, …, 1, 0]`.
    public static func reversal(name: String = "Reverse", features: Int, on device: any Device) throws -> Permutation {
        try Permutation(name: name, order: Array((0..<features).reversed()), on: device)
    }

    public var parameters: [Parameter] { [] }
    public var features: Int { order.count }

    struct Tape: BijectorTape {}

    public func forward(_ x: Tensor, context: Tensor?) throws -> (result: BijectorResult, tape: any BijectorTape) {
        let output = try x.gather(forwardIndices)
        return (BijectorResult(output: output, logDet: try Tensor.zeros([x.batch], on: x.device)), Tape())
    }

    public func inverse(_ z: Tensor, context: Tensor?) throws -> BijectorResult {
        BijectorResult(output: try z.gather(inverseIndices), logDet: try Tensor.zeros([z.batch], on: z.device))
    }

    public func backward(_ tape: any BijectorTape, gradOutput: Tensor, gradLogDet: Tensor) throws -> BijectorGradients {
        _ = try self.tape(tape, as: Tape.self)
        return BijectorGradients(input: try gradOutput.gather(inverseIndices), context: nil)
    }
}
