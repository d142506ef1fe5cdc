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
                .optionalBuffer(bias), .int(bias == nil ? 0 : 1),
                .int(spec.lda), .int(spec.ldb), .int(spec.ldc), .int(spec.offsetA), .int(spec.offsetB),
                .int(spec.offsetC), .int(spec.offsetBias), .int(Int(spec.activation.rawValue)),
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
