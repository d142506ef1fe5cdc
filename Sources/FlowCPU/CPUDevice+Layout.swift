import FlowCore

// The layout ops, and `PermuteMatrixCapable` (one pass instead of two gathers and a select).
extension CPUDevice: PermuteMatrixCapable {
    public func copySlab(
        outer: Int, inner: Int, length: Int,
        source: any DeviceBuffer, sourceMid: Int, sourceStart: Int,
        destination: any DeviceBuffer, destinationMid: Int, destinationStart: Int
    ) throws {
        let (src, dst) = (try floats(source, "copySlab"), try floats(destination, "copySlab"))
        let run = length * inner
        Parallel.forEachRange(outer, grain: max(1, 65536 / max(1, run))) { range in
            for o in range {
                let (target, origin) = (dst + (o * destinationMid + destinationStart) * inner, src + (o * sourceMid + sourceStart) * inner)
                if run < 32 {
                    // Splits of a few features per sample (a 2-D coupling's one-column halves, MAF's μ and α):
                    // an element loop, where a `memcpy` call per row cost more than the copy.
                    for j in 0..<run { target[j] = origin[j] }
                } else {
                    target.update(from: origin, count: run)
                }
            }
        }
    }

    public func squeeze2x2(
        batch: Int, channels: Int, height: Int, width: Int, inverse: Bool, x: any DeviceBuffer, y: any DeviceBuffer
    ) throws {
        let (px, py) = (try floats(x, "squeeze2x2"), try floats(y, "squeeze2x2"))
        let (halfH, halfW) = (height / 2, width / 2)
        Parallel.forEachRange(batch * channels, grain: max(1, 16384 / max(1, height * width))) { planes in
            for plane in planes {
                let (b, c) = (plane / channels, plane % channels)
                for dy in 0..<2 {
                    for dx in 0..<2 {
                        let squeezed = ((b * 4 * channels) + 4 * c + 2 * dy + dx) * halfH * halfW
                        for i in 0..<halfH {
                            for j in 0..<halfW {
                                let unsqueezed = plane * height * width + (2 * i + dy) * width + 2 * j + dx
                                if inverse {
                                    py[unsqueezed] = px[squeezed + i * halfW + j]
                                } else {
                                    py[squeezed + i * halfW + j] = px[unsqueezed]
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    public func permuteMatrix(
        rows: Int, columns: Int, x: any DeviceBuffer, rowIndices: any DeviceBuffer, columnIndices: any DeviceBuffer,
        mask: (any DeviceBuffer)?, y: any DeviceBuffer
    ) throws {
        let op = "permuteMatrix"
        let (px, py) = (try floats(x, op), try floats(y, op))
        let pm = try mask.map { try floats($0, op) }
        let rowIndex = try rowIndices.downcast(CPUBuffer.self, op: op).ints
        let columnIndex = try columnIndices.downcast(CPUBuffer.self, op: op).ints
        Parallel.forEachRange(rows, grain: max(1, 8192 / max(1, columns))) { range in
            for i in range {
                let source = px + Int(rowIndex[i]) * columns
                let target = py + i * columns
                if let pm {
                    let keep = pm + i * columns
                    // The load is unconditional (every index is in range) so the select compiles
                    // to a blend instead of a branch per element; a dropped value never reaches y.
                    for j in 0..<columns {
                        let value = source[Int(columnIndex[j])]
                        target[j] = keep[j] != 0 ? value : 0
                    }
                } else {
                    for j in 0..<columns { target[j] = source[Int(columnIndex[j])] }
                }
            }
        }
    }

    public func gather(_ view: AxisView, x: any DeviceBuffer, indices: any DeviceBuffer, y: any DeviceBuffer) throws {
        let (px, py) = (try floats(x, "gather"), try floats(y, "gather"))
        let index = try indices.downcast(CPUBuffer.self, op: "gather").ints
        Parallel.forEachRange(view.outer, grain: max(1, 65536 / max(1, view.mid * view.inner))) { range in
            for o in range {
                if view.inner == 1 {
                    // Feature permutations: an element loop, where a `memcpy` call per element cost
                    // a third of a 16-feature MAF's forward.
                    let (source, target) = (px + o * view.mid, py + o * view.mid)
                    for j in 0..<view.mid { target[j] = source[Int(index[j])] }
                    continue
                }
                for j in 0..<view.mid {
                    (py + (o * view.mid + j) * view.inner).update(from: px + (o * view.mid + Int(index[j])) * view.inner, count: view.inner)
                }
            }
        }
    }
}
