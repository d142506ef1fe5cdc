import FlowCore
import Foundation

/// Scale functions of the fused coupling: `log s(h)` and its derivative, shared by forward, inverse
/// and backward so the three always agree.
enum CouplingMath {
    /// (s, log s, d log s / dh)
    @inline(__always)
    static func scale(_ kind: CouplingScale, _ h: Float) -> (Float, Float, Float) {
        switch kind {
        case .expTanh:
            let a = Foundation.tanh(h)
            return (Foundation.exp(a), a, 1 - a * a)
        case .sigmoidShifted:
            let z = h + 2
            let s = CPUKernels.sigmoid(z)
            // log σ(z) = −softplus(−z), stable on both sides.
            return (s, -CPUKernels.softplus(-z), 1 - s)
        }
    }

    /// One element of the coupling (or its inverse) with shift `t` and scale `s`.
    @inline(__always)
    static func apply(_ order: CouplingOrder, inverse: Bool, _ x: Float, t: Float, s: Float) -> Float {
        switch (order, inverse) {
        case (.scaleThenShift, false): x * s + t
        case (.scaleThenShift, true): (x - t) / s
        case (.shiftThenScale, false): (x - t) * s
        case (.shiftThenScale, true): x / s + t
        }
    }

    /// One element's backward: `(∂x, ∂t, ∂h)` from `∂y` and the row's `∂logDet`.
    @inline(__always)
    static func backward(
        _ kind: CouplingScale, _ order: CouplingOrder, x: Float, t: Float, h: Float, dy: Float, dLogDet: Float
    ) -> (dx: Float, dt: Float, dh: Float) {
        let (s, _, dLogS) = scale(kind, h)
        // y = u·s with u = x (then + t) or u = x − t; ∂y/∂h = u·s·(d log s/dh).
        let u = order == .scaleThenShift ? x : x - t
        return (dy * s, order == .scaleThenShift ? dy : -dy * s, (dy * u * s + dLogDet) * dLogS)
    }
}

extension CPUDevice {
    public func coupling(
        _ spec: CouplingSpec, inverse: Bool, x: any DeviceBuffer, shift: any DeviceBuffer, rawScale: any DeviceBuffer,
        y: any DeviceBuffer, logDet: any DeviceBuffer
    ) throws {
        let op = "coupling"
        let (px, pt, ph, py, pl) = (
            try floats(x, op), try floats(shift, op), try floats(rawScale, op), try floats(y, op), try floats(logDet, op)
        )
        let columns = spec.columns
        Parallel.forEachRange(spec.rows, grain: max(1, 4096 / max(1, columns))) { rows in
            for r in rows {
                var total = 0.0
                for j in r * columns..<(r + 1) * columns {
                    let (s, logS, _) = CouplingMath.scale(spec.scale, ph[j])
                    total += Double(logS)
                    py[j] = CouplingMath.apply(spec.order, inverse: inverse, px[j], t: pt[j], s: s)
                }
                pl[r] = Float(inverse ? -total : total)
            }
        }
    }

    public func couplingBackward(
        _ spec: CouplingSpec, x: any DeviceBuffer, shift: any DeviceBuffer, rawScale: any DeviceBuffer,
        gradY: any DeviceBuffer, gradLogDet: any DeviceBuffer,
        gradX: any DeviceBuffer, gradShift: any DeviceBuffer, gradRawScale: any DeviceBuffer
    ) throws {
        let op = "couplingBackward"
        let (px, pt, ph, pdy, pdl) = (
            try floats(x, op), try floats(shift, op), try floats(rawScale, op), try floats(gradY, op),
            try floats(gradLogDet, op)
        )
        let (pdx, pdt, pdh) = (try floats(gradX, op), try floats(gradShift, op), try floats(gradRawScale, op))
        let columns = spec.columns
        Parallel.forEachRange(spec.rows, grain: max(1, 4096 / max(1, columns))) { rows in
            for r in rows {
                let dLogDet = pdl[r]
                for j in r * columns..<(r + 1) * columns {
                    (pdx[j], pdt[j], pdh[j]) = CouplingMath.backward(
                        spec.scale, spec.order, x: px[j], t: pt[j], h: ph[j], dy: pdy[j], dLogDet: dLogDet)
                }
            }
        }
    }

    public func channelAffine(
        _ view: AxisView, inverse: Bool, x: any DeviceBuffer, loc: any DeviceBuffer, logScale: any DeviceBuffer,
        y: any DeviceBuffer
    ) throws {
        let op = "channelAffine"
        let (px, pLoc, pLog, py) = (try floats(x, op), try floats(loc, op), try floats(logScale, op), try floats(y, op))
        Parallel.forEachRange(view.outer * view.mid, grain: max(1, 16384 / max(1, view.inner))) { rows in
            for row in rows {
                let c = row % view.mid
                let (offset, shift) = (row * view.inner, pLoc[c])
                if inverse {
                    let factor = Foundation.exp(pLog[c])
                    for i in offset..<offset + view.inner { py[i] = px[i] * factor + shift }
                } else {
                    let factor = Foundation.exp(-pLog[c])
                    for i in offset..<offset + view.inner { py[i] = (px[i] - shift) * factor }
                }
            }
        }
    }

    public func channelAffineBackward(
        _ view: AxisView, x: any DeviceBuffer, loc: any DeviceBuffer, logScale: any DeviceBuffer,
        gradY: any DeviceBuffer, gradLogDet: any DeviceBuffer,
        gradX: any DeviceBuffer, gradLoc: any DeviceBuffer, gradLogScale: any DeviceBuffer
    ) throws {
        let op = "channelAffineBackward"
        let (px, pLoc, pLog, pdy, pdl) = (
            try floats(x, op), try floats(loc, op), try floats(logScale, op), try floats(gradY, op), try floats(gradLogDet, op)
        )
        let (pdx, pdLoc, pdLog) = (try floats(gradX, op), try floats(gradLoc, op), try floats(gradLogScale, op))
        let logDetTotal = CPUKernels.sum(pdl, view.outer)
        // One thread per channel: it owns that channel's parameter gradients (fixed summation order).
        Parallel.forEachRange(view.mid, grain: max(1, 16384 / max(1, view.outer * view.inner))) { channels in
            for c in channels {
                let factor = Foundation.exp(-pLog[c])
                var (sumDy, sumDyY) = (0.0, 0.0)
                for o in 0..<view.outer {
                    let offset = (o * view.mid + c) * view.inner
                    for i in offset..<offset + view.inner {
                        let dy = pdy[i]
                        pdx[i] = dy * factor
                        sumDy += Double(dy)
                        sumDyY += Double(dy * (px[i] - pLoc[c]) * factor)
                    }
                }
                // y = (x − loc)·e^(−s): ∂y/∂loc = −e^(−s), ∂y/∂s = −y; log-det = −inner·Σ s.
                pdLoc[c] = Float(-sumDy * Double(factor))
                pdLog[c] = Float(-sumDyY - Double(view.inner) * logDetTotal)
            }
        }
    }

    public func prelu(_ view: AxisView, x: any DeviceBuffer, slope: any DeviceBuffer, y: any DeviceBuffer) throws {
        let (px, pa, py) = (try floats(x, "prelu"), try floats(slope, "prelu"), try floats(y, "prelu"))
        Parallel.forEachRange(view.outer * view.mid, grain: max(1, 16384 / max(1, view.inner))) { rows in
            for row in rows {
                let a = pa[row % view.mid]
                for i in row * view.inner..<(row + 1) * view.inner { py[i] = px[i] >= 0 ? px[i] : a * px[i] }
            }
        }
    }

    public func preluBackward(
        _ view: AxisView, x: any DeviceBuffer, slope: any DeviceBuffer, gradY: any DeviceBuffer,
        gradX: any DeviceBuffer, gradSlope: any DeviceBuffer
    ) throws {
        let op = "preluBackward"
        let (px, pa, pdy, pdx, pda) = (
            try floats(x, op), try floats(slope, op), try floats(gradY, op), try floats(gradX, op), try floats(gradSlope, op)
        )
        Parallel.forEachRange(view.mid, grain: max(1, 16384 / max(1, view.outer * view.inner))) { channels in
            for c in channels {
                let a = pa[c]
                var total = 0.0
                for o in 0..<view.outer {
                    let offset = (o * view.mid + c) * view.inner
                    for i in offset..<offset + view.inner {
                        if px[i] >= 0 {
                            pdx[i] = pdy[i]
                        } else {
                            pdx[i] = a * pdy[i]
                            total += Double(pdy[i] * px[i])
                        }
                    }
                }
                pda[c] = Float(total)
            }
        }
    }
}
