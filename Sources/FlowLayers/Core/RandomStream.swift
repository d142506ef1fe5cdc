import FlowRuntime

/// A position in a Philox stream: every draw uses the next counter blocks, so a model's
/// initialisation, sampling and dequantization noise are reproducible from one seed and a
/// resumed run can continue the exact stream (save `seed` and `counter`).
public struct RandomStream: Sendable, Equatable, Codable {
    public var seed: UInt64
    public var counter: UInt64

    public init(seed: UInt64, counter: UInt64 = 0) {
        self.seed = seed
        self.counter = counter
    }

    /// A tensor of draws; advances the stream past the blocks it used.
    public mutating func next(_ shape: [Int], _ distribution: RandomDistribution, on device: any Device) throws -> Tensor {
        let tensor = try Tensor.random(shape, distribution, seed: seed, counter: counter, on: device)
        counter &+= UInt64((tensor.count + 3) / 4)
        return tensor
    }

    /// Uniform on [low, high).
    public mutating func uniform(_ shape: [Int], low: Float, high: Float, on device: any Device) throws -> Tensor {
        try next(shape, .uniform, on: device).affine(scale: high - low, shift: low)
    }

    /// A stream for a sub-component (a layer's initialisation), independent of this one's draws.
    public func derived(_ index: UInt64) -> RandomStream {
        RandomStream(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ index &+ 1, counter: 0)
    }
}
