import FlowRuntime

extension Reference {
    /// The transformed channels of `x` and the shift and raw scale from `h`, each `[B, transformed·positions]`
    /// (what `Reference.coupling` takes), for a channel coupling; and where each came from.
    public struct ChannelCouplingParts {
        public var spec: CouplingSpec
        public var transformed: [Double]
        public var shift: [Double]
        public var rawScale: [Double]
        /// Flat indices into x, and into h for the shift and the raw scale, of each entry above.
        public var xIndex: [Int]
        public var shiftIndex: [Int]
        public var rawScaleIndex: [Int]
    }

    /// Written out with explicit loops from `ChannelCouplingSpec`'s definition.
    public static func channelCouplingParts(_ spec: ChannelCouplingSpec, x: [Double], h: [Double]) -> ChannelCouplingParts {
        let (ct, p) = (spec.transformed, spec.positions)
        var parts = ChannelCouplingParts(
            spec: CouplingSpec(rows: spec.batch, columns: ct * p, scale: spec.scale, order: spec.order), transformed: [], shift: [],
            rawScale: [], xIndex: [], shiftIndex: [], rawScaleIndex: [])
        let shiftPiece = spec.shiftFirst ? 0 : 1
        for b in 0..<spec.batch {
            for j in 0..<ct {
                for position in 0..<p {
                    let channel = { (piece: Int) in spec.interleaved ? 2 * j + piece : piece * ct + j }
                    parts.xIndex.append((b * spec.channels + spec.transformedStart + j) * p + position)
                    parts.shiftIndex.append((b * 2 * ct + channel(shiftPiece)) * p + position)
                    parts.rawScaleIndex.append((b * 2 * ct + channel(1 - shiftPiece)) * p + position)
                }
            }
        }
        parts.transformed = parts.xIndex.map { x[$0] }
        parts.shift = parts.shiftIndex.map { h[$0] }
        parts.rawScale = parts.rawScaleIndex.map { h[$0] }
        return parts
    }

    /// `y` (kept channels copied) and the log-det of the channel coupling.
    public static func channelCoupling(_ spec: ChannelCouplingSpec, inverse: Bool, x: [Double], h: [Double]) -> (y: [Double], logDet: [Double]) {
        let parts = channelCouplingParts(spec, x: x, h: h)
        let result = coupling(parts.spec, inverse: inverse, x: parts.transformed, shift: parts.shift, rawScale: parts.rawScale)
        var y = x
        for (k, index) in parts.xIndex.enumerated() { y[index] = result.y[k] }
        return (y, result.logDet)
    }

    /// `∂L/∂x` (kept channels: `gradY`'s plus the conditioner's share `keptShare`
    /// `[B, kept, positions]`) and `∂L/∂h`.
    public static func channelCouplingBackward(
        _ spec: ChannelCouplingSpec, x: [Double], h: [Double], gradY: [Double], gradLogDet: [Double], keptShare: [Double]
    ) -> (input: [Double], conditionerOutput: [Double]) {
        let parts = channelCouplingParts(spec, x: x, h: h)
        let grads = couplingBackward(
            parts.spec, x: parts.transformed, shift: parts.shift, rawScale: parts.rawScale, gradY: parts.xIndex.map { gradY[$0] },
            gradLogDet: gradLogDet)
        var gradX = gradY
        for (k, value) in keptShare.enumerated() {
            let (b, rest) = (k / (spec.kept * spec.positions), k % (spec.kept * spec.positions))
            gradX[(b * spec.channels + spec.keptStart) * spec.positions + rest] += value
        }
        var gradH = [Double](repeating: .nan, count: h.count)
        for k in parts.xIndex.indices {
            gradX[parts.xIndex[k]] = grads.input[k]
            gradH[parts.shiftIndex[k]] = grads.shift[k]
            gradH[parts.rawScaleIndex[k]] = grads.rawScale[k]
        }
        return (gradX, gradH)
    }
}
