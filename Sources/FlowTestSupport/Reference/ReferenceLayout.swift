import FlowRuntime

extension Reference {
    /// `dst[o, dstStart + j, i] = src[o, srcStart + j, i]` for `j < length`; the rest of `destination` is kept.
    public static func copySlab(
        outer: Int, inner: Int, length: Int,
        source: [Double], sourceMid: Int, sourceStart: Int,
        destination: [Double], destinationMid: Int, destinationStart: Int
    ) -> [Double] {
        var out = destination
        for o in 0..<outer {
            for j in 0..<length {
                for i in 0..<inner {
                    out[(o * destinationMid + destinationStart + j) * inner + i] =
                        source[(o * sourceMid + sourceStart + j) * inner + i]
                }
            }
        }
        return out
    }

    /// Concatenation along axis 1 of parts `[outer, mids[p], inner]`.
    public static func concat(_ parts: [[Double]], mids: [Int], outer: Int, inner: Int) -> [Double] {
        let total = mids.reduce(0, +)
        var out = [Double](repeating: 0, count: outer * total * inner)
        var start = 0
        for (part, mid) in zip(parts, mids) {
            out = copySlab(
                outer: outer, inner: inner, length: mid, source: part, sourceMid: mid, sourceStart: 0,
                destination: out, destinationMid: total, destinationStart: start)
            start += mid
        }
        return out
    }

    /// Split along axis 1 of `[outer, Σ sizes, inner]` into parts of the given sizes.
    public static func split(_ x: [Double], sizes: [Int], outer: Int, inner: Int) -> [[Double]] {
        let total = sizes.reduce(0, +)
        var start = 0
        return sizes.map { size in
            let part = copySlab(
                outer: outer, inner: inner, length: size, source: x, sourceMid: total, sourceStart: start,
                destination: [Double](repeating: 0, count: outer * size * inner), destinationMid: size,
                destinationStart: 0)
            start += size
            return part
        }
    }

    /// 2×2 space-to-depth: `out[b, 4c + 2dy + dx, i, j] = in[b, c, 2i + dy, 2j + dx]`.
    public static func squeeze2x2(batch: Int, channels: Int, height: Int, width: Int, x: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: x.count)
        let (h2, w2) = (height / 2, width / 2)
        for b in 0..<batch {
            for c in 0..<channels {
                for dy in 0..<2 {
                    for dx in 0..<2 {
                        for i in 0..<h2 {
                            for j in 0..<w2 {
                                let outIndex = ((b * 4 * channels + 4 * c + 2 * dy + dx) * h2 + i) * w2 + j
                                let inIndex = ((b * channels + c) * height + 2 * i + dy) * width + 2 * j + dx
                                out[outIndex] = x[inIndex]
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Inverse of `squeeze2x2`; `channels`, `height`, `width` describe the unsqueezed tensor.
    public static func unsqueeze2x2(batch: Int, channels: Int, height: Int, width: Int, x: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: x.count)
        let (h2, w2) = (height / 2, width / 2)
        for b in 0..<batch {
            for c in 0..<channels {
                for dy in 0..<2 {
                    for dx in 0..<2 {
                        for i in 0..<h2 {
                            for j in 0..<w2 {
                                let squeezed = ((b * 4 * channels + 4 * c + 2 * dy + dx) * h2 + i) * w2 + j
                                let plain = ((b * channels + c) * height + 2 * i + dy) * width + 2 * j + dx
                                out[plain] = x[squeezed]
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// `y[o, j, i] = x[o, indices[j], i]`.
    public static func gather(_ view: AxisView, x: [Double], indices: [Int32]) -> [Double] {
        var y = [Double](repeating: 0, count: view.count)
        for o in 0..<view.outer {
            for j in 0..<view.mid {
                for i in 0..<view.inner {
                    y[index(view, o, j, i)] = x[index(view, o, Int(indices[j]), i)]
                }
            }
        }
        return y
    }
}
