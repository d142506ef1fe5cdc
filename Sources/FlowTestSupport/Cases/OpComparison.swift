import FlowRuntime

/// One comparison of a device's output with its reference, as an op case produces it: the Swift
/// tests turn each into an expectation and `flowkit check` into a row, so both judge the same
/// values by the same tolerance. `op` names the row ("spline y", "mixture backward ∂x").
public struct OpComparison: Sendable {
    public var op: String
    public var actual: [Double]
    public var expected: [Double]
    public var rtol: Double
    /// Per-element absolute tolerances (bounds that scale with each output's magnitude).
    public var atol: [Double]
    /// The shape failures are reported in (`Closeness` names the worst element's index in it).
    public var shape: [Int]?

    public init(op: String, actual: [Double], expected: [Double], rtol: Double, atol: [Double], shape: [Int]? = nil) {
        self.op = op
        self.actual = actual
        self.expected = expected
        self.rtol = rtol
        self.atol = atol
        self.shape = shape
    }

    public init(op: String, actual: [Double], expected: [Double], rtol: Double, atol: Double) {
        self.init(op: op, actual: actual, expected: expected, rtol: rtol, atol: [Double](repeating: atol, count: expected.count))
    }

    /// Reads `actual` back from its device.
    public init(op: String, _ actual: Tensor, _ expected: [Double], rtol: Double, atol: [Double]) throws {
        self.init(op: op, actual: try actual.values(), expected: expected, rtol: rtol, atol: atol, shape: actual.shape)
    }

    public init(op: String, _ actual: Tensor, _ expected: [Double], rtol: Double, atol: Double) throws {
        try self.init(op: op, actual, expected, rtol: rtol, atol: [Double](repeating: atol, count: expected.count))
    }

    /// `|actual − expected| ≤ atol_i + rtol·|expected|` elementwise.
    public var closeness: Closeness { Closeness.compare(actual, expected, rtol: rtol, atol: atol, shape: shape) }

    /// Packed per-element parameter gradients split into one comparison per parameter group
    /// (widths, heights, …), so a failure names the group: element `e`'s value `j` of `stride` is
    /// at `e·stride + j`, and group `name` holds the `j` in its range.
    public static func grouped(
        op: String, actual: [Double], expected: [Double], stride: Int, groups: [(name: String, range: Range<Int>)],
        rtol: Double, atol: Double
    ) -> [OpComparison] {
        groups.filter { !$0.range.isEmpty }.map { group in
            let pick = { (values: [Double]) in
                Swift.stride(from: 0, to: values.count, by: stride).flatMap { base in group.range.map { values[base + $0] } }
            }
            return OpComparison(op: "\(op)\(group.name)", actual: pick(actual), expected: pick(expected), rtol: rtol, atol: atol)
        }
    }
}
