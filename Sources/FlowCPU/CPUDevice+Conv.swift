import CBLAS
import FlowCore

/// Convolution as im2col + one sgemm over the whole batch. The patch matrix is
/// `col[K = C·kh·kw, B·H·W]`; the product with the weights `[O, K]` is channel-major
/// `[O, B·H·W]` and is transposed to NCHW afterwards. One large product beats B small ones for
/// the small images flows work on (8×8 digits, 4×4 after squeezes).
extension CPUDevice {
    public func conv2d(
        _ g: ConvGeometry, input: any DeviceBuffer, weight: any DeviceBuffer, bias: (any DeviceBuffer)?,
        output: any DeviceBuffer
    ) throws {
        let op = "conv2d"
        let (px, pw, py) = (try floats(input, op), try floats(weight, op), try floats(output, op))
        let pb = try bias.map { try floats($0, op) }
        if Self.convolvesOnOutputSide(g) { return try conv2dOnOutputSide(g, input: px, weight: pw, bias: pb, output: py) }
        let columns = g.batch * g.pixels
        // Keep both scratch buffers referenced until the end: a released buffer returns to the
        // pool at once and the next allocation of its size class would reuse its memory.
        let colBuffer = try makeBuffer(bytes: g.patchSize * columns * 4)
        let z = try makeBuffer(bytes: g.outChannels * columns * 4)
        let (col, pz) = (try floats(colBuffer, op), try floats(z, op))
        im2col(g, px, col)
        sgemm(m: g.outChannels, n: columns, k: g.patchSize, transA: false, transB: false, pw, col, pz)
        // Channel-major [O, B·HW] → NCHW, adding the bias on the way.
        Parallel.forEachRange(g.batch * g.outChannels, grain: max(1, 4096 / max(1, g.pixels))) { range in
            for index in range {
                let (b, o) = (index / g.outChannels, index % g.outChannels)
                let source = pz + o * columns + b * g.pixels
                let target = py + index * g.pixels
                let offset = pb?[o] ?? 0
                for p in 0..<g.pixels { target[p] = source[p] + offset }
            }
        }
        withExtendedLifetime((colBuffer, z)) {}
    }

    public func conv2dBackwardData(
        _ g: ConvGeometry, gradOutput: any DeviceBuffer, weight: any DeviceBuffer, gradInput: any DeviceBuffer
    ) throws {
        let op = "conv2dBackwardData"
        let (pdy, pw, pdx) = (try floats(gradOutput, op), try floats(weight, op), try floats(gradInput, op))
        if Self.convolvesOnOutputSide(g) { return try conv2dBackwardDataOnOutputSide(g, gradOutput: pdy, weight: pw, gradInput: pdx) }
        let columns = g.batch * g.pixels
        let dzBuffer = try makeBuffer(bytes: g.outChannels * columns * 4)
        let dcolBuffer = try makeBuffer(bytes: g.patchSize * columns * 4)
        let (dz, dcol) = (try floats(dzBuffer, op), try floats(dcolBuffer, op))
        toChannelMajor(g, pdy, dz)
        sgemm(m: g.patchSize, n: columns, k: g.outChannels, transA: true, transB: false, pw, dz, dcol)
        col2im(g, dcol, pdx)
        withExtendedLifetime((dzBuffer, dcolBuffer)) {}
    }

    public func conv2dBackwardWeights(
        _ g: ConvGeometry, input: any DeviceBuffer, gradOutput: any DeviceBuffer, gradWeight: any DeviceBuffer,
        gradBias: (any DeviceBuffer)?
    ) throws {
        let op = "conv2dBackwardWeights"
        let (px, pdy, pdw) = (try floats(input, op), try floats(gradOutput, op), try floats(gradWeight, op))
        if Self.convolvesOnOutputSide(g) {
            return try conv2dBackwardWeightsOnOutputSide(g, input: px, gradOutput: pdy, gradWeight: pdw, gradBias: try gradBias.map { try floats($0, op) })
        }
        let columns = g.batch * g.pixels
        let colBuffer = try makeBuffer(bytes: g.patchSize * columns * 4)
        let dzBuffer = try makeBuffer(bytes: g.outChannels * columns * 4)
        let (col, dz) = (try floats(colBuffer, op), try floats(dzBuffer, op))
        im2col(g, px, col)
        toChannelMajor(g, pdy, dz)
        sgemm(m: g.outChannels, n: g.patchSize, k: columns, transA: false, transB: true, dz, col, pdw)
        if let gradBias {
            let pdb = try floats(gradBias, op)
            for o in 0..<g.outChannels { pdb[o] = Float(CPUKernels.sum(dz + o * columns, columns)) }
        }
        withExtendedLifetime((colBuffer, dzBuffer)) {}
    }

    private func sgemm(
        m: Int, n: Int, k: Int, transA: Bool, transB: Bool,
        _ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>, _ c: UnsafeMutablePointer<Float>
    ) {
        guard m > 0, n > 0 else { return }
        CPUDevice.parallelGemm(GemmSpec(m: m, n: n, k: k, transposeA: transA, transposeB: transB), a: a, b: b, c: c, bias: nil)
    }

    /// `col[(c·kh + i)·kw + j, b·HW + y·W + x] = in[b, c, y + i·dh − padTop, x + j·dw − padLeft]` (0 outside).
    private func im2col(_ g: ConvGeometry, _ input: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>) {
        let columns = g.batch * g.pixels
        if g.width < Self.smallImageWidth {
            let sources = TapSources(g)
            Parallel.forEachRange(g.patchSize, grain: max(1, 8192 / max(1, columns))) { rows in
                for row in rows {
                    let (c, tap) = (row / g.taps, row % g.taps)
                    let index = sources.offsets(tap)
                    for b in 0..<g.batch {
                        let target = col + row * columns + b * g.pixels
                        let plane = input + (b * g.inChannels + c) * g.pixels
                        for p in 0..<g.pixels { target[p] = index[p] >= 0 ? plane[Int(index[p])] : 0 }
                    }
                }
            }
            return
        }
        Parallel.forEachRange(g.patchSize, grain: max(1, 8192 / max(1, columns))) { rows in
            for row in rows {
                let (c, tap) = (row / g.taps, row % g.taps)
                let dyOffset = (tap / g.kernelW) * g.dilationH - g.padTop
                let dxOffset = (tap % g.kernelW) * g.dilationW - g.padLeft
                let xStart = max(0, -dxOffset)
                let xEnd = min(g.width, g.width - dxOffset)
                for b in 0..<g.batch {
                    let target = col + row * columns + b * g.pixels
                    let plane = input + (b * g.inChannels + c) * g.pixels
                    for y in 0..<g.height {
                        let line = target + y * g.width
                        let sourceY = y + dyOffset
                        guard sourceY >= 0, sourceY < g.height, xStart < xEnd else {
                            line.update(repeating: 0, count: g.width)
                            continue
                        }
                        if xStart > 0 { line.update(repeating: 0, count: xStart) }
                        (line + xStart).update(from: plane + sourceY * g.width + xStart + dxOffset, count: xEnd - xStart)
                        if xEnd < g.width { (line + xEnd).update(repeating: 0, count: g.width - xEnd) }
                    }
                }
            }
        }
    }

    /// Adjoint of `im2col`, written as a gather (each input pixel sums its taps in a fixed order):
    /// no two threads write one element, so the result is deterministic.
    private func col2im(_ g: ConvGeometry, _ col: UnsafePointer<Float>, _ input: UnsafeMutablePointer<Float>) {
        let columns = g.batch * g.pixels
        if g.width < Self.smallImageWidth {
            let sources = TapSources(g)
            Parallel.forEachRange(g.batch * g.inChannels, grain: max(1, 4096 / max(1, g.pixels * g.taps))) { planes in
                for plane in planes {
                    let (b, c) = (plane / g.inChannels, plane % g.inChannels)
                    let target = input + plane * g.pixels
                    target.update(repeating: 0, count: g.pixels)
                    // Taps in the same order as the general path, so both sum identically.
                    for tap in 0..<g.taps {
                        let index = sources.offsets(tap)
                        let source = col + (c * g.taps + tap) * columns + b * g.pixels
                        for p in 0..<g.pixels where index[p] >= 0 { target[Int(index[p])] += source[p] }
                    }
                }
            }
            return
        }
        Parallel.forEachRange(g.batch * g.inChannels, grain: max(1, 4096 / max(1, g.pixels * g.taps))) { planes in
            for plane in planes {
                let (b, c) = (plane / g.inChannels, plane % g.inChannels)
                let target = input + plane * g.pixels
                target.update(repeating: 0, count: g.pixels)
                for tap in 0..<g.taps {
                    let dyOffset = (tap / g.kernelW) * g.dilationH - g.padTop
                    let dxOffset = (tap % g.kernelW) * g.dilationW - g.padLeft
                    let source = col + (c * g.taps + tap) * columns + b * g.pixels
                    // Input (y, x) was read by output (y − dyOffset, x − dxOffset).
                    for y in max(0, dyOffset)..<max(max(0, dyOffset), min(g.height, g.height + dyOffset)) {
                        let outY = y - dyOffset
                        let xStart = max(0, dxOffset)
                        let xEnd = min(g.width, g.width + dxOffset)
                        guard xStart < xEnd else { continue }
                        for x in xStart..<xEnd { target[y * g.width + x] += source[outY * g.width + x - dxOffset] }
                    }
                }
            }
        }
    }

    /// Below this width im2col/col2im go through `TapSources` tables: rows of a few pixels make a
    /// `memcpy`/`memset` call per row cost more than the copy (a third of an 8×8 Glow's step, whose
    /// images are 4×4 after the first squeeze).
    static let smallImageWidth = 16

    /// NCHW `[B, O, HW]` → channel-major `[O, B·HW]`.
    private func toChannelMajor(_ g: ConvGeometry, _ nchw: UnsafePointer<Float>, _ major: UnsafeMutablePointer<Float>) {
        Self.channelMajor(batch: g.batch, channels: g.outChannels, pixels: g.pixels, nchw, major)
    }
}
