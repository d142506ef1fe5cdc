import FlowRuntime
import FlowTestSupport

extension TestDevice {
    /// Uploads Float-representable test values (as produced by `SeededRandom`), exactly.
    func tensor(_ values: [Double], _ shape: [Int]) throws -> Tensor {
        try Tensor(values.map { Float($0) }, shape: shape, on: device)
    }
}

extension TestDevice {
    /// Leaves NaN-filled blocks of each size in the device's buffer cache, so that the op run next
    /// gets NaN-filled outputs: an op that fails to write part of its output (the contract says
    /// every output is written) then shows NaN instead of passing on zeroed or stale memory.
    /// Call it after uploading the inputs, right before the op.
    func poisonCache(_ counts: Int...) throws {
        let blocks = try counts.flatMap { count in
            try (0..<2).map { _ in try Tensor.full([count], value: .nan, on: device) }
        }
        try device.synchronize()
        withExtendedLifetime(blocks) {}
    }
}

extension Tensor {
    /// The device values widened to Double for comparison with references.
    func values() throws -> [Double] { try toArray().map(Double.init) }
}

extension Array where Element == Double {
    /// The values each rounded to Float: what a device holds after an exact upload.
    var asFloats: [Double] { map { Double(Float($0)) } }
}

/// `[outer, mid, inner]` view of a shape whose axis 1 is the channel or feature axis.
func channelView(_ shape: [Int]) -> AxisView {
    AxisView(outer: shape[0], mid: shape[1], inner: shape.dropFirst(2).reduce(1, *))
}
