import FlowRuntime

/// A group of products writing disjoint blocks of one C (`Tensor.gemmGroup`: the tiles of a
/// block-triangular product `C = X · Wᵀ`, each reading a prefix of the inputs), against the same
/// products one by one through the reference; C outside the blocks keeps its contents.
public struct GemmGroupCase: Sendable, CustomStringConvertible {
    public var rows: Int
    public var inputs: Int
    public var outputs: Int
    public var specs: [GemmSpec]
    public var x: [Double]
    public var w: [Double]
    public var bias: [Double]
    public var c: [Double]

    public init(rows: Int, inputs: Int, outputs: Int, specs: [GemmSpec], x: [Double], w: [Double], bias: [Double], c: [Double]) {
        self.rows = rows
        self.inputs = inputs
        self.outputs = outputs
        self.specs = specs
        self.x = x
        self.w = w
        self.bias = bias
        self.c = c
    }

    public var description: String { "\(rows)×\(outputs)×\(inputs) in \(specs.count) tiles" }

    /// Through the device's own scheduling (`GemmGroupCapable`) where it has one, or the generic fallback.
    public func run(on d: TestDevice, usingCapability: Bool) throws -> OpComparison {
        let result = try d.tensor(c, [rows, outputs])
        try Tensor.gemmGroup(
            specs, d.tensor(x, [rows, inputs]), d.tensor(w, [outputs, inputs]), into: result, bias: d.tensor(bias, [outputs]),
            usingCapability: usingCapability)
        let (expected, atol) = GemmCases.reference(specs, a: x, b: w, c: c, bias: bias)
        return try OpComparison(op: "gemmGroup", result, expected, rtol: OpTolerance.gemmRtol, atol: atol)
    }
}
