/// An affine coupling on the channels of `[B, C, …]` tensors (RealNVP's channel masking, Glow's
/// coupling): channels `[keptStart, keptStart + kept)` pass through, the other `transformed`
/// channels are coupled with a shift and raw scale read from the conditioner's output `h`
/// `[B, 2·transformed, …]`. In `h`, piece `k` (0 or 1) of transformed channel `j` is channel
/// `2j + k` when `interleaved` (Glow: `t = h[:, 0::2]`), else `k·transformed + j`; the shift is
/// piece 0 when `shiftFirst`, else piece 1. `positions` is the number of entries per channel
/// (H·W for images, T for sequences, 1 for vectors).
public struct ChannelCouplingSpec: Sendable, Equatable {
    public var batch: Int
    public var channels: Int
    public var positions: Int
    public var keepFirst: Bool
    public var interleaved: Bool
    public var shiftFirst: Bool
    public var scale: CouplingScale
    public var order: CouplingOrder

    public init(
        batch: Int, channels: Int, positions: Int, keepFirst: Bool, interleaved: Bool, shiftFirst: Bool,
        scale: CouplingScale, order: CouplingOrder
    ) {
        self.batch = batch
        self.channels = channels
        self.positions = positions
        self.keepFirst = keepFirst
        self.interleaved = interleaved
        self.shiftFirst = shiftFirst
        self.scale = scale
        self.order = order
    }

    /// ⌊C/2⌋ kept channels when they come first, else ⌈C/2⌉ (as `ChannelMask` splits).
    public var kept: Int { keepFirst ? channels / 2 : channels - channels / 2 }
    public var transformed: Int { channels - kept }
    public var keptStart: Int { keepFirst ? 0 : transformed }
    public var transformedStart: Int { keepFirst ? kept : 0 }
}
