import FlowRuntime

/// Double-precision reference implementations of every `Device` op.
///
/// Each one is a direct transcription of the formula in the op's documentation, written as plain
/// loops over `[Double]` with no blocking, vectorisation or reuse of FlowRuntime's devices, so that
/// it is obviously correct by reading and independent of the code under test. Inputs are the exact
/// float values uploaded to the device (widened to Double), so the only differences left are the
/// device's float32 rounding.
public enum Reference {
    /// `Σ a_i · b_i`, the loss `L = Σ gradOutput ⊙ y` that finite-difference checks differentiate.
    public static func dot(_ a: [Double], _ b: [Double]) -> Double {
        precondition(a.count == b.count, "dot of \(a.count) and \(b.count) values")
        var sum = 0.0
        for i in 0..<a.count { sum += a[i] * b[i] }
        return sum
    }

    /// Elementwise product (masks applied to weights).
    public static func multiply(_ a: [Double], _ b: [Double]) -> [Double] {
        precondition(a.count == b.count, "multiply of \(a.count) and \(b.count) values")
        return (0..<a.count).map { a[$0] * b[$0] }
    }
}
