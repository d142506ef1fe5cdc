import CBLAS
import FlowCore
import Foundation

extension CPUDevice {
    public func fill(_ buffer: any DeviceBuffer, count: Int, value: Float) throws {
        let p = try floats(buffer, "fill")
        Parallel.forEachRange(count, grain: 1 << 16) { range in (p + range.lowerBound).update(repeating: value, count: range.count) }
    }

    public func gemm(
        _ spec: GemmSpec, a: any DeviceBuffer, b: any DeviceBuffer, c: any DeviceBuffer, bias: (any DeviceBuffer)?
    ) throws {
        let (pa, pb, pc) = (try floats(a, "gemm"), try floats(b, "gemm"), try floats(c, "gemm"))
        let pBias = try bias.map { try floats($0, "gemm") }
        CPUDevice.parallelGemm(spec, a: pa, b: pb, c: pc, bias: pBias)
    }

    /// The product on the worker pool. OpenBLAS runs single-threaded inside our chunks (see
    /// `WorkerPool`): each chunk is a block of rows of C (or of columns when C is wide and short)
    /// of one matrix of the batch.
    static func parallelGemm(
        _ spec: GemmSpec, a pa: UnsafeMutablePointer<Float>, b pb: UnsafeMutablePointer<Float>,
        c pc: UnsafeMutablePointer<Float>, bias pBias: UnsafeMutablePointer<Float>?
    ) {
        if let parts = splitAlongK(spec), pBias == nil {
            return gemmSplitAlongK(spec, parts: parts, a: pa, b: pb, c: pc)
        }
        let split = GemmSplit(spec)
        WorkerPool.shared.run(spec.batch * split.parts) { task in
            let (index, part) = task.quotientAndRemainder(dividingBy: split.parts)
            let block = split.range(part)
            guard !block.isEmpty else { return }
            let (rows, columns) = split.alongRows ? (block, 0..<spec.n) : (0..<spec.m, block)
            gemmBlock(
                spec, rows: rows, columns: columns, a: pa + spec.offsetA + index * spec.strideA,
                b: pb + spec.offsetB + index * spec.strideB, c: pc + spec.offsetC + index * spec.strideC,
                bias: pBias.map { $0 + spec.offsetBias })
        }
    }

    /// How many parts to cut the inner dimension of a weight gradient `∂W = ∂yᵀ · x` into: its
    /// `k` is the batch, far longer than `m` and `n`. Cutting C's rows instead makes every thread
    /// read the whole batch, half of which another core wrote (the pool keeps each half of the
    /// batch on one core), and those products ran three times slower than the forward ones.
    /// The parts follow from the shape (`FixedSplit`): a sum cut elsewhere rounds differently.
    /// Nil for any other product, and for one too small to cut.
    private static func splitAlongK(_ spec: GemmSpec) -> Int? {
        guard spec.transposeA, !spec.transposeB, spec.batch == 1, spec.activation == .none, spec.k >= 4 * max(spec.m, spec.n)
        else { return nil }
        let parts = FixedSplit.parts(
            work: spec.m * spec.n * spec.k, length: spec.k, minimumLength: minimumRowsPerPartialSum,
            maximum: FixedSplit.maximumReductionParts)
        return parts > 1 ? parts : nil
    }

    /// The fewest rows of the batch one partial weight gradient sums: fewer make the partial
    /// results to add cost more than the split saves.
    static let minimumRowsPerPartialSum = 128

    /// `C = α·Σ_p op(A)[:, K_p]·op(B)[K_p, :] + β·C` with the batch cut into consecutive parts:
    /// part 0 writes C, the others a scratch block each, and the scratch blocks are then added in
    /// part order (the parts and the order follow from the shape: the same bits on any thread count).
    private static func gemmSplitAlongK(
        _ spec: GemmSpec, parts: Int, a: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>
    ) {
        let (m, n) = (spec.m, spec.n)
        let size = (spec.k + parts - 1) / parts
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: max(1, (parts - 1) * m * n))
        defer { scratch.deallocate() }
        let (lda, ldb, ldc) = (max(1, spec.lda), max(1, spec.ldb), max(1, spec.ldc))
        WorkerPool.shared.run(parts) { part in
            let start = part * size
            let count = max(0, min(spec.k, start + size) - start)
            let (target, ld, beta) = part == 0 ? (c + spec.offsetC, ldc, spec.beta) : (scratch + (part - 1) * m * n, n, Float(0))
            guard count > 0 else {
                for row in 0..<m { for j in 0..<n { target[row * ld + j] = beta == 0 ? 0 : beta * target[row * ld + j] } }
                return
            }
            // op(A) = Aᵀ: rows start..<start+count of the stored A; op(B) = B: the same rows of B.
            cblas_sgemm(
                CblasRowMajor, CblasTrans, CblasNoTrans, Int32(m), Int32(n), Int32(count), spec.alpha,
                a + spec.offsetA + start * lda, Int32(lda), b + spec.offsetB + start * ldb, Int32(ldb), beta, target, Int32(ld))
        }
        Parallel.forEachRange(m, grain: max(1, 4096 / max(1, n))) { rows in
            for row in rows {
                let line = c + spec.offsetC + row * ldc
                for part in 1..<parts {
                    let partial = scratch + (part - 1) * m * n + row * n
                    for j in 0..<n { line[j] += partial[j] }
                }
            }
        }
    }

    /// `C[rows, columns] = α·op(A)·op(B) + β·C (+ bias)` for one matrix of the batch, by one thread.
    static func gemmBlock(
        _ spec: GemmSpec, rows: Range<Int>, columns: Range<Int>, a: UnsafeMutablePointer<Float>,
        b: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>?
    ) {
        let (lda, ldb, ldc) = (max(1, spec.lda), max(1, spec.ldb), max(1, spec.ldc))
        // Row r of op(A) starts at r·lda (or at column r when A is stored transposed); column j of
        // op(B) at j (or at row j·ldb when transposed).
        let aBlock = a + rows.lowerBound * (spec.transposeA ? 1 : lda)
        let bBlock = b + columns.lowerBound * (spec.transposeB ? ldb : 1)
        let cBlock = c + rows.lowerBound * ldc + columns.lowerBound
        if spec.k > 0 {
            cblas_sgemm(
                CblasRowMajor, spec.transposeA ? CblasTrans : CblasNoTrans, spec.transposeB ? CblasTrans : CblasNoTrans,
                Int32(rows.count), Int32(columns.count), Int32(spec.k), spec.alpha, aBlock, Int32(lda), bBlock, Int32(ldb),
                spec.beta, cBlock, Int32(ldc))
        } else if spec.beta != 1 {
            for row in 0..<rows.count {
                let line = cBlock + row * ldc
                for j in 0..<columns.count { line[j] = spec.beta == 0 ? 0 : spec.beta * line[j] }
            }
        }
        if bias != nil || spec.activation == .relu {
            // While the block is still in cache: this is the whole point of fusing them.
            CPUKernels.biasAndRelu(
                cBlock, rows: rows.count, columns: columns.count, ldc: ldc, bias: bias.map { $0 + columns.lowerBound },
                relu: spec.activation == .relu)
        }
    }

    public func reduceSum(_ view: AxisView, squared: Bool, x: any DeviceBuffer, out: any DeviceBuffer) throws {
        let (px, po) = (try floats(x, "reduceSum"), try floats(out, "reduceSum"))
        if view.inner == 1 && view.outer > 1 {
            columnSums(view, squared: squared, px, po)
            return
        }
        // One thread owns each output and sums in a fixed order (Double accumulator): deterministic.
        Parallel.forEachRange(view.mid, grain: max(1, (1 << 15) / max(1, view.outer * view.inner))) { range in
            for m in range {
                var total = 0.0
                for o in 0..<view.outer {
                    let row = px + (o * view.mid + m) * view.inner
                    total += squared ? CPUKernels.sumOfSquares(row, view.inner) : CPUKernels.sum(row, view.inner)
                }
                po[m] = Float(total)
            }
        }
    }

    /// Sums down the rows of `[outer, mid]` (bias gradients, per-feature statistics): each thread
    /// owns a block of columns and adds whole rows of it in row order, so the inner loop runs
    /// over contiguous memory (vectorised) and the order is fixed.
    private func columnSums(_ view: AxisView, squared: Bool, _ px: UnsafeMutablePointer<Float>, _ po: UnsafeMutablePointer<Float>) {
        Parallel.forEachRange(view.mid, grain: max(64, (1 << 15) / max(1, view.outer))) { columns in
            var totals = [Double](repeating: 0, count: columns.count)
            totals.withUnsafeMutableBufferPointer { total in
                for o in 0..<view.outer {
                    let row = px + o * view.mid + columns.lowerBound
                    if squared {
                        for j in 0..<columns.count { total[j] += Double(row[j]) * Double(row[j]) }
                    } else {
                        for j in 0..<columns.count { total[j] += Double(row[j]) }
                    }
                }
                for j in 0..<columns.count { po[columns.lowerBound + j] = Float(total[j]) }
            }
        }
    }

    public func normalLogProb(rows: Int, columns: Int, x: any DeviceBuffer, out: any DeviceBuffer) throws {
        let (px, po) = (try floats(x, "normalLogProb"), try floats(out, "normalLogProb"))
        let constant = 0.5 * Double(columns) * Foundation.log(2 * Double.pi)
        Parallel.forEachRange(rows, grain: max(1, (1 << 15) / max(1, columns))) { range in
            for r in range { po[r] = Float(-0.5 * CPUKernels.sumOfSquares(px + r * columns, columns) - constant) }
        }
    }

    public func unary(_ op: UnaryOp, count: Int, x: any DeviceBuffer, y: any DeviceBuffer) throws {
        let (px, py) = (try floats(x, "unary"), try floats(y, "unary"))
        Parallel.forEachRange(count, grain: 1 << 14) { range in
            CPUKernels.unary(op, px + range.lowerBound, py + range.lowerBound, range.count)
        }
    }

    public func unaryBackward(
        _ op: UnaryOp, count: Int, x: any DeviceBuffer, y: any DeviceBuffer, gradY: any DeviceBuffer,
        gradX: any DeviceBuffer
    ) throws {
        let name = "unaryBackward"
        let (px, py, pdy, pdx) = (try floats(x, name), try floats(y, name), try floats(gradY, name), try floats(gradX, name))
        Parallel.forEachRange(count, grain: 1 << 14) { range in
            let s = range.lowerBound
            CPUKernels.unaryBackward(op, px + s, py + s, pdy + s, pdx + s, range.count)
        }
    }

    public func binary(
        _ op: BinaryOp, view: AxisView, broadcastB: Bool, a: any DeviceBuffer, b: any DeviceBuffer, c: any DeviceBuffer
    ) throws {
        let (pa, pb, pc) = (try floats(a, "binary"), try floats(b, "binary"), try floats(c, "binary"))
        if !broadcastB {
            Parallel.forEachRange(view.count, grain: 1 << 15) { range in
                let s = range.lowerBound
                CPUKernels.binary(op, pa + s, pb + s, pc + s, range.count)
            }
            return
        }
        Parallel.forEachRange(view.outer * view.mid, grain: max(1, (1 << 15) / max(1, view.inner))) { range in
            for row in range {
                let offset = row * view.inner
                CPUKernels.binaryScalar(op, pa + offset, pb[row % view.mid], pc + offset, view.inner)
            }
        }
    }
}
