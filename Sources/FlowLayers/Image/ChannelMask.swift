import FlowRuntime

/// Channel-wise coupling mask for images `[B, C, H, W]` (RealNVP's channel masking, Dinh et al.
/// 2017, arXiv:1605.08803, §3.6; Glow's coupling split, Kingma & Dhariwal 2018, arXiv:1807.03039).
/// The kept part is channels `[0, ⌊C/2⌋)` and the rest is transformed (`keepFirst`), or the
/// reverse. Any `[B, C, …]` tensor of rank 2–4 works (sequences `[B, C, T]` too).
///
/// The conditioner sees the kept channels as they are and returns `count · C_t` channels
/// (`C_t` = transformed channels), read in one of two layouts:
/// * blocks: piece `k` is output channels `[k·C_t, (k+1)·C_t)`;
/// * interleaved (Glow): piece `k` is output channels `k, k + count, k + 2·count, …`, so for an
///   affine coupling `t = h[:, 0::2]` and `ŝ = h[:, 1::2]`.
public struct ChannelMask: CouplingMask {
    public let channels: Int
    public let keepFirst: Bool
    public let interleaved: Bool
    public let keptChannels: Int
    public let transformedChannels: Int
    /// Interleaving permutations by piece count, built for the counts couplings use (1–3).
    private let interleavings: [Int: AxisPermutation]
    private let device: any Device

    public init(channels: Int, keepFirst: Bool = true, interleaved: Bool = false, on device: any Device) throws {
        guard channels >= 2 else {
            throw FlowError.invalidArgument(op: "ChannelMask", detail: "a coupling needs at least 2 channels, got \(channels)")
        }
        self.channels = channels
        self.keepFirst = keepFirst
        self.interleaved = interleaved
        keptChannels = keepFirst ? channels / 2 : channels - channels / 2
        transformedChannels = channels - keptChannels
        self.device = device
        var interleavings: [Int: AxisPermutation] = [:]
        if interleaved {
            for count in 2...3 {
                interleavings[count] = try Self.interleaving(count: count, pieceChannels: transformedChannels, on: device)
            }
        }
        self.interleavings = interleavings
    }

    /// Gathering with this order turns the interleaved layout into blocks.
    private static func interleaving(count: Int, pieceChannels: Int, on device: any Device) throws -> AxisPermutation {
        try AxisPermutation((0..<(count * pieceChannels)).map { j in (j % pieceChannels) * count + j / pieceChannels }, on: device)
    }

    private func interleaving(count: Int) throws -> AxisPermutation {
        if let cached = interleavings[count] { return cached }
        // Only for piece counts beyond 3 (no coupling here uses them): a small index upload per call.
        return try Self.interleaving(count: count, pieceChannels: transformedChannels, on: device)
    }

    public func split(_ x: Tensor) throws -> (kept: Tensor, transformed: Tensor) {
        guard x.rank >= 2, x.shape[1] == channels else {
            throw FlowError.shapeMismatch(op: "ChannelMask.split", detail: "input \(x.shape), expected [B, \(channels), …]")
        }
        if keepFirst {
            let parts = try x.split([keptChannels, transformedChannels])
            return (parts[0], parts[1])
        }
        let parts = try x.split([transformedChannels, keptChannels])
        return (parts[1], parts[0])
    }

    public func merge(kept: Tensor, transformed: Tensor) throws -> Tensor {
        try Tensor.concat(keepFirst ? [kept, transformed] : [transformed, kept])
    }

    public func conditionerInput(_ kept: Tensor) throws -> Tensor { kept }
    public func conditionerInputBackward(_ grad: Tensor) throws -> Tensor { grad }

    public func pieces(of output: Tensor, count: Int) throws -> [Tensor] {
        guard count >= 1, output.rank >= 2, output.shape[1] == count * transformedChannels else {
            throw FlowError.shapeMismatch(
                op: "ChannelMask.pieces",
                detail: "conditioner output \(output.shape), expected [B, \(count * transformedChannels), …] for \(count) pieces")
        }
        let blocks = interleaved && count > 1 ? try interleaving(count: count).apply(output) : output
        return try blocks.split(Array(repeating: transformedChannels, count: count))
    }

    public func piecesBackward(_ grads: [Tensor]) throws -> Tensor {
        let blocks = try Tensor.concat(grads)
        return interleaved && grads.count > 1 ? try interleaving(count: grads.count).undo(blocks) : blocks
    }
}
