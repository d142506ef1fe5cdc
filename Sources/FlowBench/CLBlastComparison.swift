import FlowCore

/// One product computed from the same operands on the same device by our gemm and by CLBlast:
/// the check that the bench's yardstick computes the product it is compared with.
package struct CLBlastComparison: Sendable {
    /// The operands as uploaded (with the padding that `lda`, `ldb` and the offsets address) and
    /// the initial C that `beta` scales.
    package let a: [Float]
    package let b: [Float]
    package let c: [Float]
    /// C after our gemm and after `CLBlastSgemm`, whole buffers (entries outside the product are
    /// the initial C, which neither may change).
    package let ours: [Float]
    package let theirs: [Float]

    /// The largest |ours − theirs| over the whole C buffer.
    package var maxAbsDifference: Float { Self.maxAbsDifference(ours, theirs) }

    /// The largest |x − y|, NaN if either holds a NaN where the other does not hold the same
    /// (Swift's `max` drops NaN, which would let a broken product read as agreement).
    package static func maxAbsDifference(_ x: [Float], _ y: [Float]) -> Float {
        guard x.count == y.count else { return .nan }
        var largest: Float = 0
        for (u, v) in zip(x, y) {
            let difference = abs(u - v)
            if difference.isNaN { return .nan }
            largest = max(largest, difference)
        }
        return largest
    }
}
