import Foundation

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny, well-mixed, seedable generator for test data, so
/// every test sees the same inputs on every run and on every device.
public struct SeededRandom: Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform on [0, 1) with 53 random bits.
    public mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

    public mutating func uniform(in range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * nextDouble()
    }

    public mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }

    /// `count` values uniform in `range`, rounded to Float so that uploading them is exact and the
    /// reference sees precisely the device's inputs.
    public mutating func floats(_ count: Int, in range: ClosedRange<Double> = -1...1) -> [Double] {
        (0..<count).map { _ in Double(Float(uniform(in: range))) }
    }

    /// Like `floats`, with `|value| ≥ margin`: keeps inputs of kinked functions (ReLU, PReLU) away
    /// from the kink, where finite differences and float rounding would straddle it.
    public mutating func floats(_ count: Int, in range: ClosedRange<Double>, awayFromZero margin: Double) -> [Double] {
        (0..<count).map { _ in
            var value = 0.0
            repeat { value = Double(Float(uniform(in: range))) } while Swift.abs(value) < margin
            return value
        }
    }

    /// Standard normals (Box–Muller in Double), rounded to Float.
    public mutating func normals(_ count: Int) -> [Double] {
        (0..<count).map { _ in
            let u1 = 1 - nextDouble()
            let u2 = nextDouble()
            return Double(Float((-2 * Foundation.log(u1)).squareRoot() * cos(2 * Double.pi * u2)))
        }
    }

    /// A binary mask with roughly `density` ones.
    public mutating func mask(_ count: Int, density: Double = 0.6) -> [Double] {
        (0..<count).map { _ in nextDouble() < density ? 1 : 0 }
    }

    /// A uniformly random permutation of `0..<count` (Fisher–Yates).
    public mutating func permutation(_ count: Int) -> [Int32] {
        var values = (0..<count).map(Int32.init)
        for i in stride(from: count - 1, to: 0, by: -1) {
            values.swapAt(i, int(in: 0...i))
        }
        return values
    }
}
