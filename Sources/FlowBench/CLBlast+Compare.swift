import FlowCore
import FlowOpenCL

extension CLBlast {
    /// Runs `spec` through our gemm and through `CLBlastSgemm` on `device`, from the same
    /// operands (uniform in [-1, 1), from `seed`; C starts non-zero so that `beta` counts), and
    /// returns both results.
    package func compare(_ spec: GemmSpec, on device: OpenCLDevice, seed: UInt64) throws -> CLBlastComparison {
        let (rowsA, columnsA) = spec.transposeA ? (spec.k, spec.m) : (spec.m, spec.k)
        let (rowsB, columnsB) = spec.transposeB ? (spec.n, spec.k) : (spec.k, spec.n)
        var state = seed
        func operand(rows: Int, columns: Int, leading: Int, offset: Int) -> [Float] {
            let count = rows == 0 || columns == 0 ? offset : offset + (rows - 1) * leading + columns
            return (0..<max(count, 1)).map { _ in
                // SplitMix64: deterministic across platforms, no dependency on the device's RNG.
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                z ^= z >> 31
                return Float(z >> 40) / Float(1 << 23) - 1
            }
        }
        let a = operand(rows: rowsA, columns: columnsA, leading: spec.lda, offset: spec.offsetA)
        let b = operand(rows: rowsB, columns: columnsB, leading: spec.ldb, offset: spec.offsetB)
        let c = operand(rows: spec.m, columns: spec.n, leading: spec.ldc, offset: spec.offsetC)
        let bufferA = try Tensor(a, shape: [a.count], on: device)
        let bufferB = try Tensor(b, shape: [b.count], on: device)
        let ours = try Tensor(c, shape: [c.count], on: device)
        let theirs = try Tensor(c, shape: [c.count], on: device)
        try device.gemm(spec, a: bufferA.buffer, b: bufferB.buffer, c: ours.buffer, bias: nil)
        try sgemm(spec, a: bufferA.buffer, b: bufferB.buffer, c: theirs.buffer, on: device)
        return CLBlastComparison(a: a, b: b, c: c, ours: try ours.toArray(), theirs: try theirs.toArray())
    }
}
