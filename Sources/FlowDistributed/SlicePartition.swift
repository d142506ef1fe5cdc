/// A vector of `length` values cut into one contiguous slice per rank, each `width` =
/// ⌈length/ranks⌉ values (the last ones shorter, possibly empty): rank o owns slice o and adds
/// its micro-batch values there. Equal widths (padded with zeros in transit) let one
/// all-to-all and one all-gather of equal blocks carry every slice.
public struct SlicePartition: Equatable, Sendable {
    public let length: Int
    public let ranks: Int
    public let width: Int

    public init(length: Int, ranks: Int) throws {
        guard length >= 0, ranks >= 1 else { throw DistributedError("cannot cut \(length) values into \(ranks) slices") }
        self.length = length
        self.ranks = ranks
        width = (length + ranks - 1) / ranks
    }

    /// The values rank `owner` owns.
    public func slice(of owner: Int) -> Range<Int> {
        let start = min(length, owner * width)
        return start..<min(length, start + width)
    }
}
