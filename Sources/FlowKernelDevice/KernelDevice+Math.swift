import FlowCore

/// Dense algebra, reductions and elementwise ops: one kernel launch each
/// (`gemm.cl`, `reduce.cl`, `elementwise.cl`).
extension KernelDevice {
    public func fill(_ buffer: any DeviceBuffer, count: Int, value: Float) throws {
        try launchElementwise("elementwise", "fill", count: count, [.int(count), .float(value), .buffer(buffer)])
    }

    public func gemm(
        _ spec: GemmSpec, a: any DeviceBuffer, b: any DeviceBuffer, c: any DeviceBuffer, bias: (any DeviceBuffer)?
    ) throws {
        try launchGemm(spec, a: a, b: b, c: c, bias: bias, biasPerRow: false)
    }

    /// `gemm`, with the bias indexed by output column (`bias[n]`, the contract's) or, for the
    /// pointwise convolution, by output row (`bias[m]`: one value per output channel).
    func launchGemm(
        _ spec: GemmSpec, a: any DeviceBuffer, b: any DeviceBuffer, c: any DeviceBuffer, bias: (any DeviceBuffer)?,
        biasPerRow: Bool
    ) throws {
        guard spec.m > 0, spec.n > 0, spec.batch > 0 else { return }
        let kernel = "gemm_" + (spec.transposeA ? "t" : "n") + (spec.transposeB ? "t" : "n")
        let (localN, localM) = tuning.gemmLocal
        let groupsN = (spec.n + tuning.gemmTileN - 1) / tuning.gemmTileN
        let groupsM = (spec.m + tuning.gemmTileM - 1) / tuning.gemmTileM
        try launch(
            "gemm", kernel, global: [groupsN * localN, groupsM * localM, spec.batch], local: [localN, localM, 1],
            [
                .int(spec.m), .int(spec.n), .int(spec.k), .float(spec.alpha), .float(spec.beta),
                .buffer(a), .int(spec.strideA), .buffer(b), .int(spec.strideB), .buffer(c), .int(spec.strideC),
                .optionalBuffer(bias), .int(bias == nil ? 0 : (biasPerRow ? 2 : 1)),
                .int(spec.lda), .int(spec.ldb), .int(spec.ldc), .int(spec.offsetA), .int(spec.offsetB),
                .int(spec.offsetC), .int(spec.offsetBias), .int(Int(spec.activation.rawValue)),
                .int(spec.kernelVectorLoads),
            ])
    }

    public func reduceSum(_ view: AxisView, squared: Bool, x: any DeviceBuffer, out: any DeviceBuffer) throws {
        try launchReduction(
            "reduce", "reduce_sum", groups: view.mid, workPerGroup: view.outer * view.inner,
            [.int(view.outer), .int(view.mid), .int(view.inner), .int(squared ? 1 : 0), .buffer(x), .buffer(out)])
    }

    public func normalLogProb(rows: Int, columns: Int, x: any DeviceBuffer, out: any DeviceBuffer) throws {
        try launchReduction(
            "reduce", "normal_log_prob", groups: rows, workPerGroup: columns,
            [.int(rows), .int(columns), .buffer(x), .buffer(out)])
    }

    public func unary(_ op: UnaryOp, count: Int, x: any DeviceBuffer, y: any DeviceBuffer) throws {
        try launchElementwise(
            "elementwise", "unary_fwd", count: count,
            [.int(count), .int(Int(op.code)), .float(op.parameter), .buffer(x), .buffer(y)])
    }

    public func unaryBackward(
        _ op: UnaryOp, count: Int, x: any DeviceBuffer, y: any DeviceBuffer, gradY: any DeviceBuffer,
        gradX: any DeviceBuffer
    ) throws {
        try launchElementwise(
            "elementwise", "unary_bwd", count: count,
            [.int(count), .int(Int(op.code)), .float(op.parameter), .buffer(x), .buffer(y), .buffer(gradY), .buffer(gradX)])
    }

    public func binary(
        _ op: BinaryOp, view: AxisView, broadcastB: Bool, a: any DeviceBuffer, b: any DeviceBuffer, c: any DeviceBuffer
    ) throws {
        try launchElementwise(
            "elementwise", "binary_op", count: view.count,
            [
                .int(view.count), .int(view.mid), .int(max(1, view.inner)), .int(Int(op.rawValue)), .int(broadcastB ? 1 : 0),
                .buffer(a), .buffer(b), .buffer(c),
            ])
    }
}

extension GemmSpec {
    /// Which operands `gemm.cl` may stage with 4-float vector loads: bit 0 for A, bit 1 for B.
    /// An operand qualifies when every row it is read along starts at a multiple of 4 elements
    /// (leading dimension, offset and batch stride), so each load is 16-byte aligned in a buffer
    /// whose base is (OpenCL and CUDA both align allocations to far more than 16 bytes).
    package var kernelVectorLoads: Int {
        func aligned(_ ld: Int, _ offset: Int, _ stride: Int) -> Bool {
            ld % 4 == 0 && offset % 4 == 0 && (batch == 1 || stride % 4 == 0)
        }
        return (aligned(lda, offsetA, strideA) ? 1 : 0) | (aligned(ldb, offsetB, strideB) ? 2 : 0)
    }
}
