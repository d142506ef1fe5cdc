import FlowRuntime

extension TestDevice {
    /// Uploads Float-representable test values (as produced by `SeededRandom`), exactly.
    public func tensor(_ values: [Double], _ shape: [Int]) throws -> Tensor {
        try Tensor(values.map { Float($0) }, shape: shape, on: device)
    }

    /// Leaves NaN-filled blocks of each size in the device's buffer cache, so that the op run next
    /// gets NaN-filled outputs: an op that fails to write part of its output (the contract says
    /// every output is written) then shows NaN instead of passing on zeroed or stale memory.
    /// Call it after uploading the inputs, right before the op.
    public func poisonCache(_ counts: Int...) throws {
        let blocks = try counts.flatMap { count in
            try (0..<2).map { _ in try Tensor.full([Swift.max(count, 1)], value: .nan, on: device) }
        }
        try device.synchronize()
        withExtendedLifetime(blocks) {}
    }
}

extension Tensor {
    /// The device values widened to Double for comparison with references.
    public func values() throws -> [Double] { try toArray().map(Double.init) }
}

extension Array where Element == Double {
    /// The values each rounded to Float: what a device holds after an exact upload.
    public var asFloats: [Double] { map { Double(Float($0)) } }
}
