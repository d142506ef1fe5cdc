import FlowRuntime

/// RealNVP's spatial checkerboard mask (Dinh et al. 2017, arXiv:1605.08803, §3.6) for images
/// `[B, C, H, W]`: pixel `(i, j)` is kept, in every channel, when `i + j` is even (`keepEven`)
/// or odd, and transformed otherwise.
///
/// The two parts are scattered over the image, so they are represented flattened: `kept` is
/// `[B, n_k]` and `transformed` is `[B, n_t]` (positions in row-major `(c, i, j)` order). The
/// conditioner sees the image with the transformed positions zeroed (`b ⊙ x`, image-shaped) and
/// returns `count · C` channels, piece `k` being channels `[k·C, (k+1)·C)`, of which only the
/// transformed positions are read. Every rearrangement is one gather along axis 1 of a
/// `[B, C·H·W]` (or `[B, count·C·H·W]`) view.
public struct CheckerboardMask: CouplingMask {
    public let channels: Int
    public let height: Int
    public let width: Int
    public let keepEven: Bool
    public let keptCount: Int
    public let transformedCount: Int
    /// Flattened positions: kept ones first, then transformed ones.
    private let positions: AxisPermutation
    /// For the conditioner's output with `count` pieces: every piece's transformed positions
    /// (piece by piece), then all kept positions. Built for counts 1–3.
    private let pieceOrders: [Int: AxisPermutation]
    private let device: any Device

    public init(channels: Int, height: Int, width: Int, keepEven: Bool = true, on device: any Device) throws {
        guard channels >= 1, height >= 1, width >= 1, height * width >= 2 else {
            throw FlowError.invalidArgument(
                op: "CheckerboardMask", detail: "image [\(channels), \(height), \(width)] needs at least 2 pixels")
        }
        self.channels = channels
        self.height = height
        self.width = width
        self.keepEven = keepEven
        self.device = device
        let (kept, transformed) = Self.partition(channels: channels, height: height, width: width, keepEven: keepEven)
        keptCount = kept.count
        transformedCount = transformed.count
        positions = try AxisPermutation(kept + transformed, on: device)
        var pieceOrders: [Int: AxisPermutation] = [:]
        for count in 1...3 {
            pieceOrders[count] = try Self.pieceOrder(count: count, kept: kept, transformed: transformed, on: device)
        }
        self.pieceOrders = pieceOrders
    }

    private static func partition(channels: Int, height: Int, width: Int, keepEven: Bool) -> (kept: [Int], transformed: [Int]) {
        var kept: [Int] = []
        var transformed: [Int] = []
        for c in 0..<channels {
            for i in 0..<height {
                for j in 0..<width {
                    let index = (c * height + i) * width + j
                    if ((i + j) % 2 == 0) == keepEven { kept.append(index) } else { transformed.append(index) }
                }
            }
        }
        return (kept, transformed)
    }

    private static func pieceOrder(count: Int, kept: [Int], transformed: [Int], on device: any Device) throws -> AxisPermutation {
        let size = kept.count + transformed.count
        let pieces = (0..<count).flatMap { k in transformed.map { k * size + $0 } }
        let rest = (0..<count).flatMap { k in kept.map { k * size + $0 } }
        return try AxisPermutation(pieces + rest, on: device)
    }

    private func pieceOrder(count: Int) throws -> AxisPermutation {
        if let cached = pieceOrders[count] { return cached }
        // Only for piece counts beyond 3 (no coupling here uses them): a small index upload per call.
        let (kept, transformed) = Self.partition(channels: channels, height: height, width: width, keepEven: keepEven)
        return try Self.pieceOrder(count: count, kept: kept, transformed: transformed, on: device)
    }

    private var imageShape: [Int] { [channels, height, width] }

    public func split(_ x: Tensor) throws -> (kept: Tensor, transformed: Tensor) {
        guard Array(x.shape.dropFirst()) == imageShape else {
            throw FlowError.shapeMismatch(op: "CheckerboardMask.split", detail: "input \(x.shape), expected [B] + \(imageShape)")
        }
        let parts = try positions.apply(x.flattenedBatch()).split([keptCount, transformedCount])
        return (parts[0], parts[1])
    }

    public func merge(kept: Tensor, transformed: Tensor) throws -> Tensor {
        try positions.undo(Tensor.concat([kept, transformed])).reshaped([kept.batch] + imageShape)
    }

    public func conditionerInput(_ kept: Tensor) throws -> Tensor {
        try merge(kept: kept, transformed: Tensor.zeros([kept.batch, transformedCount], on: kept.device))
    }

    public func conditionerInputBackward(_ grad: Tensor) throws -> Tensor {
        try split(grad).kept
    }

    public func pieces(of output: Tensor, count: Int) throws -> [Tensor] {
        guard count >= 1, output.shape == [output.batch, count * channels, height, width] else {
            throw FlowError.shapeMismatch(
                op: "CheckerboardMask.pieces",
                detail: "conditioner output \(output.shape), expected [B, \(count * channels), \(height), \(width)] for \(count) pieces")
        }
        let ordered = try pieceOrder(count: count).apply(output.flattenedBatch())
        let parts = try ordered.split(Array(repeating: transformedCount, count: count) + [count * keptCount])
        return Array(parts.prefix(count))
    }

    /// The kept positions of the conditioner's output are never read, so their gradient is zero.
    public func piecesBackward(_ grads: [Tensor]) throws -> Tensor {
        guard let first = grads.first else {
            throw FlowError.invalidArgument(op: "CheckerboardMask.piecesBackward", detail: "no piece gradients")
        }
        let unread = try Tensor.zeros([first.batch, grads.count * keptCount], on: first.device)
        let flat = try pieceOrder(count: grads.count).undo(Tensor.concat(grads + [unread]))
        return try flat.reshaped([first.batch, grads.count * channels, height, width])
    }
}
