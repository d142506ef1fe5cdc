/// A shape whose dimensions came from outside the program (a file header, a caller's array),
/// checked once so that code which allocates or indexes by it cannot trap: every dimension is
/// non-negative, the element count is computed with overflow checks and stays under a cap, and
/// `bytes(elementSize:available:)` compares what the shape needs with what a file holds.
///
/// The product of the non-zero dimensions is what is bounded, not just the element count, so
/// every partial product (a row size, a stride, the size of all but the first axis) fits too:
/// `[0, 2⁴⁰, 2⁴⁰]` holds no elements, but its example size would still overflow.
public struct CheckedShape: Sendable, Equatable, CustomStringConvertible {
    /// The most elements a shape may describe unless a caller passes another limit: 2³⁴
    /// (64 GiB of float32). Far above any tensor or data file flowkit works with, and low
    /// enough that byte counts of 8-byte elements (2³⁷) and sums of a few cannot overflow.
    public static let defaultElementLimit = 1 << 34

    public let dimensions: [Int]
    /// The element count (0 when a dimension is 0).
    public let count: Int

    /// Checks `dimensions`; throws a `Problem` naming the shape and what is wrong with it.
    public init(_ dimensions: [Int], limit: Int = CheckedShape.defaultElementLimit) throws(Problem) {
        // Negative dimensions first: they are the clearer message when a shape has both problems.
        if let axis = dimensions.firstIndex(where: { $0 < 0 }) {
            throw Problem(dimensions, "dimension \(axis) is negative (\(dimensions[axis]))")
        }
        var magnitude = 1
        for dimension in dimensions {
            let (product, overflow) = magnitude.multipliedReportingOverflow(by: max(dimension, 1))
            guard !overflow else { throw Problem(dimensions, "the product of the dimensions overflows a 64-bit integer") }
            guard product <= limit else {
                throw Problem(dimensions, "the dimensions multiply to more than the limit of \(limit) elements")
            }
            magnitude = product
        }
        self.dimensions = dimensions
        count = dimensions.contains(0) ? 0 : magnitude
    }

    /// The bytes `count` elements of `elementSize` bytes take, when they fit in `available`
    /// bytes (what a file holds after its header); otherwise a `Problem` saying how many are missing.
    public func bytes(elementSize: Int, available: Int) throws(Problem) -> Int {
        let (needed, overflow) = count.multipliedReportingOverflow(by: max(elementSize, 0))
        guard !overflow else { throw Problem(dimensions, "the byte count overflows a 64-bit integer") }
        guard needed <= available else {
            throw Problem(dimensions, "needs \(needed) bytes of data (\(count) elements of \(elementSize) bytes), the file holds \(max(available, 0))")
        }
        return needed
    }

    public var description: String { Problem.render(dimensions) }

    /// Why a shape was refused: the shape (abbreviated when it has many dimensions) and the reason.
    public struct Problem: Error, Equatable, CustomStringConvertible {
        public let dimensions: [Int]
        public let reason: String

        public init(_ dimensions: [Int], _ reason: String) {
            self.dimensions = dimensions
            self.reason = reason
        }

        public var description: String { "shape \(Problem.render(dimensions)): \(reason)" }

        /// A hostile header can declare hundreds of dimensions; messages show the first few.
        static func render(_ dimensions: [Int]) -> String {
            let shown = 8
            guard dimensions.count > shown else { return "\(dimensions)" }
            let head = dimensions.prefix(shown).map(String.init).joined(separator: ", ")
            return "[\(head), … (\(dimensions.count) dimensions)]"
        }
    }
}
