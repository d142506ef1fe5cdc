import CBLAS
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
        for index in 0..<spec.batch {
            let cMatrix = pc + index * spec.strideC
            var beta = spec.beta
            if let pBias, spec.beta == 0 {
                // Seed C with the bias rows and let sgemm accumulate onto them: one pass instead of two.
                for row in 0..<spec.m { (cMatrix + row * spec.n).update(from: pBias, count: spec.n) }
                beta = 1
            }
            if spec.k > 0, spec.m > 0, spec.n > 0 {
                cblas_sgemm(
                    CblasRowMajor, spec.transposeA ? CblasTrans : CblasNoTrans, spec.transposeB ? CblasTrans : CblasNoTrans,
                    Int32(spec.m), Int32(spec.n), Int32(spec.k), spec.alpha,
                    pa + index * spec.strideA, Int32(spec.transposeA ? spec.m : spec.k),
                    pb + index * spec.strideB, Int32(spec.transposeB ? spec.k : spec.n),
                    beta, cMatrix, Int32(max(1, spec.n)))
            } else if beta != 1 {
                for i in 0..<(spec.m * spec.n) { cMatrix[i] = beta == 0 ? 0 : beta * cMatrix[i] }
            }
            if let pBias, spec.beta != 0 {
                for row in 0..<spec.m {
                    for column in 0..<spec.n { cMatrix[row * spec.n + column] += pBias[column] }
                }
            }
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
