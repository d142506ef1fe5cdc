import FlowRuntime
import FlowTestSupport

extension TestDevice {
    /// Uploads Float-representable test values (as produced by `SeededRandom`), exactly.
    func tensor(_ values: [Double], _ shape: [Int]) throws -> Tensor {
        try Tensor(values.map { Float($0) }, shape: shape, on: device)
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
