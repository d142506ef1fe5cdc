import FlowRuntime

/// One matrix product case: its spec and flat operands (each operand buffer as the spec's
/// strides, leading dimensions and offsets lay it out), against `Reference.gemm` with
/// `OpTolerance.gemmAtol` (the float32 accumulation of k terms) plus `gemmRtol`.
public struct GemmProduct: Sendable, CustomStringConvertible {
    public var spec: GemmSpec
    public var a: [Double]
    public var b: [Double]
    public var c: [Double]
    public var bias: [Double]?

    public init(spec: GemmSpec, a: [Double], b: [Double], c: [Double], bias: [Double]?) {
        self.spec = spec
        self.a = a
        self.b = b
        self.c = c
        self.bias = bias
    }

    public var description: String {
        var text = GemmCases.label(spec)
        if spec.lda != (spec.transposeA ? spec.m : spec.k) || spec.ldb != (spec.transposeB ? spec.k : spec.n)
            || spec.ldc != spec.n
        {
            text += " ld \(spec.lda)/\(spec.ldb)/\(spec.ldc)"
        }
        if spec.activation == .relu { text += " relu" }
        if bias != nil { text += " bias" }
        return text
    }

    /// Through `Tensor.gemm` on flat operands (blocks inside larger buffers, the fused ReLU).
    public func run(on d: TestDevice, op: String) throws -> OpComparison {
        let cTensor = try d.tensor(c, [c.count])
        try Tensor.gemm(
            spec, d.tensor(a, [a.count]), d.tensor(b, [b.count]), into: cTensor, bias: bias.map { try d.tensor($0, [$0.count]) })
        return try compare(op, cTensor)
    }

    /// Through `Device.gemm` itself: batches with a shared operand (stride 0) and padded strides,
    /// where elements of C between the strided matrices must be left alone.
    public func runOnDevice(_ d: TestDevice, op: String) throws -> OpComparison {
        let cTensor = try d.tensor(c, [c.count])
        try d.device.gemm(
            spec, a: d.tensor(a, [a.count]).buffer, b: d.tensor(b, [b.count]).buffer, c: cTensor.buffer,
            bias: try bias.map { try d.tensor($0, [$0.count]).buffer })
        return try compare(op, cTensor)
    }

    private func compare(_ op: String, _ result: Tensor) throws -> OpComparison {
        try OpComparison(
            op: op, result, Reference.gemm(spec, a: a, b: b, c: c, bias: bias), rtol: OpTolerance.gemmRtol,
            atol: OpTolerance.gemmAtol(spec, a: a, b: b, c: c, bias: bias))
    }
}
