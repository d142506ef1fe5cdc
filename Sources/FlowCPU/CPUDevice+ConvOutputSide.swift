import FlowCore

/// Convolutions of small images with fewer output than input channels (Glow's last coupling
/// layer: 64 channels in, 4 or 8 out), computed without im2col's `C·taps × B·H·W` patch matrix,
/// which is then most of the work (it was half of an 8×8 Glow's step).
///
/// Forward: one product `U = W_stack · X` gives every tap's contribution `U[t·O + o, q]` of input
/// pixel `q`, and output pixel `p` sums `U[t·O + o, src_t(p)]` over the taps in a fixed order.
/// The backward moves the patch matrix to the gradient side, `O·taps` rows instead of `C·taps`:
/// `D[(o, t), q] = ∂y[o, reader_t(q)]` (the output pixel that reads `q` at tap `t`), then
/// `∂X = W_r · D` and `∂W = D · Xᵀ`, with the weights re-laid out to match.
extension CPUDevice {
    /// Whether the output side is the smaller one (and the image small enough for tap tables).
    static func convolvesOnOutputSide(_ g: ConvGeometry) -> Bool {
        g.width < smallImageWidth && g.taps > 1 && g.outChannels < g.inChannels
    }

    func conv2dOnOutputSide(
        _ g: ConvGeometry, input px: UnsafeMutablePointer<Float>, weight pw: UnsafeMutablePointer<Float>,
        bias pb: UnsafeMutablePointer<Float>?, output py: UnsafeMutablePointer<Float>
    ) throws {
        let (columns, rows) = (g.batch * g.pixels, g.taps * g.outChannels)
        let scratch = try (makeBuffer(bytes: g.inChannels * columns * 4), makeBuffer(bytes: rows * g.inChannels * 4), makeBuffer(bytes: rows * columns * 4))
        let (xcm, stacked, u) = (try floats(scratch.0, "conv2d"), try floats(scratch.1, "conv2d"), try floats(scratch.2, "conv2d"))
        Self.channelMajor(batch: g.batch, channels: g.inChannels, pixels: g.pixels, px, xcm)
        // stacked[(t·O + o), c] = W[o, c, t].
        for o in 0..<g.outChannels {
            for c in 0..<g.inChannels {
                for t in 0..<g.taps { stacked[(t * g.outChannels + o) * g.inChannels + c] = pw[(o * g.inChannels + c) * g.taps + t] }
            }
        }
        CPUDevice.parallelGemm(GemmSpec(m: rows, n: columns, k: g.inChannels), a: stacked, b: xcm, c: u, bias: nil)
        let sources = TapSources(g)
        Parallel.forEachRange(g.batch * g.outChannels, grain: max(1, 4096 / max(1, g.pixels * g.taps))) { planes in
            for plane in planes {
                let (b, o) = (plane / g.outChannels, plane % g.outChannels)
                let target = py + plane * g.pixels
                target.update(repeating: pb?[o] ?? 0, count: g.pixels)
                for t in 0..<g.taps {
                    let index = sources.offsets(t)
                    let contributions = u + (t * g.outChannels + o) * columns + b * g.pixels
                    for p in 0..<g.pixels where index[p] >= 0 { target[p] += contributions[Int(index[p])] }
                }
            }
        }
        withExtendedLifetime(scratch) {}
    }

    func conv2dBackwardDataOnOutputSide(
        _ g: ConvGeometry, gradOutput pdy: UnsafeMutablePointer<Float>, weight pw: UnsafeMutablePointer<Float>,
        gradInput pdx: UnsafeMutablePointer<Float>
    ) throws {
        let (columns, rows) = (g.batch * g.pixels, g.outChannels * g.taps)
        let scratch = try (makeBuffer(bytes: rows * columns * 4), makeBuffer(bytes: g.inChannels * rows * 4), makeBuffer(bytes: g.inChannels * columns * 4))
        let (d, relaid, dxcm) = (
            try floats(scratch.0, "conv2dBackwardData"), try floats(scratch.1, "conv2dBackwardData"), try floats(scratch.2, "conv2dBackwardData")
        )
        gradientPatches(g, pdy, d)
        // relaid[c, o·taps + t] = W[o, c, t].
        for c in 0..<g.inChannels {
            for o in 0..<g.outChannels {
                for t in 0..<g.taps { relaid[c * rows + o * g.taps + t] = pw[(o * g.inChannels + c) * g.taps + t] }
            }
        }
        CPUDevice.parallelGemm(GemmSpec(m: g.inChannels, n: columns, k: rows), a: relaid, b: d, c: dxcm, bias: nil)
        // Channel-major [C, B·HW] → NCHW.
        Parallel.forEachRange(g.batch * g.inChannels, grain: max(1, 4096 / max(1, g.pixels))) { range in
            for index in range {
                let (b, c) = (index / g.inChannels, index % g.inChannels)
                let (target, source) = (pdx + index * g.pixels, dxcm + c * columns + b * g.pixels)
                for p in 0..<g.pixels { target[p] = source[p] }
            }
        }
        withExtendedLifetime(scratch) {}
    }

    func conv2dBackwardWeightsOnOutputSide(
        _ g: ConvGeometry, input px: UnsafeMutablePointer<Float>, gradOutput pdy: UnsafeMutablePointer<Float>,
        gradWeight pdw: UnsafeMutablePointer<Float>, gradBias pdb: UnsafeMutablePointer<Float>?
    ) throws {
        let (columns, rows) = (g.batch * g.pixels, g.outChannels * g.taps)
        let scratch = try (makeBuffer(bytes: rows * columns * 4), makeBuffer(bytes: g.inChannels * columns * 4), makeBuffer(bytes: rows * g.inChannels * 4))
        let (d, xcm, product) = (
            try floats(scratch.0, "conv2dBackwardWeights"), try floats(scratch.1, "conv2dBackwardWeights"), try floats(scratch.2, "conv2dBackwardWeights")
        )
        gradientPatches(g, pdy, d)
        Self.channelMajor(batch: g.batch, channels: g.inChannels, pixels: g.pixels, px, xcm)
        // product[(o·taps + t), c] = Σ_q D[(o, t), q] · X[c, q] = ∂W[o, c, t].
        CPUDevice.parallelGemm(GemmSpec(m: rows, n: g.inChannels, k: columns, transposeB: true), a: d, b: xcm, c: product, bias: nil)
        for o in 0..<g.outChannels {
            for c in 0..<g.inChannels {
                for t in 0..<g.taps { pdw[(o * g.inChannels + c) * g.taps + t] = product[(o * g.taps + t) * g.inChannels + c] }
            }
        }
        if let pdb {
            for o in 0..<g.outChannels {
                var total = 0.0
                for b in 0..<g.batch { total += CPUKernels.sum(pdy + (b * g.outChannels + o) * g.pixels, g.pixels) }
                pdb[o] = Float(total)
            }
        }
        withExtendedLifetime(scratch) {}
    }

    /// `D[(o·taps + t), b·HW + q] = ∂y[b, o, reader_t(q)]`, 0 where no output pixel reads `q` at `t`.
    private func gradientPatches(_ g: ConvGeometry, _ pdy: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>) {
        let columns = g.batch * g.pixels
        let sources = TapSources(g)
        Parallel.forEachRange(g.outChannels * g.taps, grain: max(1, 8192 / max(1, columns))) { rows in
            for row in rows {
                let (o, t) = (row / g.taps, row % g.taps)
                let readers = sources.readers(t)
                for b in 0..<g.batch {
                    let (target, plane) = (d + row * columns + b * g.pixels, pdy + (b * g.outChannels + o) * g.pixels)
                    for q in 0..<g.pixels { target[q] = readers[q] >= 0 ? plane[Int(readers[q])] : 0 }
                }
            }
        }
    }

    /// NCHW `[B, C, HW]` → channel-major `[C, B·HW]`.
    static func channelMajor(batch: Int, channels: Int, pixels: Int, _ nchw: UnsafePointer<Float>, _ major: UnsafeMutablePointer<Float>) {
        let columns = batch * pixels
        Parallel.forEachRange(batch * channels, grain: max(1, 4096 / max(1, pixels))) { range in
            for index in range {
                let (b, c) = (index / channels, index % channels)
                let (target, source) = (major + c * columns + b * pixels, nchw + index * pixels)
                // An element loop: a call per plane of 4 or 16 pixels costs more than the copy.
                for p in 0..<pixels { target[p] = source[p] }
            }
        }
    }
}
