import FlowCore

/// The rational-quadratic spline (`SplineMath`, mirroring `spline.cl`).
extension CPUDevice {
    public func spline(
        _ spec: SplineSpec, inverse: Bool, x: any DeviceBuffer, parameters: any DeviceBuffer, y: any DeviceBuffer,
        logDet: any DeviceBuffer
    ) throws {
        let op = "spline"
        let (px, pp, py, pl) = (try floats(x, op), try floats(parameters, op), try floats(y, op), try floats(logDet, op))
        let (columns, options) = (spec.columns, spec.options)
        let per = options.parametersPerElement
        Parallel.forEachRange(spec.rows, grain: max(1, 1024 / max(1, columns * options.bins))) { rows in
            for r in rows {
                // One thread per row, summing in column order: the per-row log-det is deterministic.
                var total = 0.0
                for j in r * columns..<(r + 1) * columns {
                    let (out, term) = SplineMath.apply(pp + j * per, options, inverse: inverse, px[j])
                    py[j] = out
                    total += Double(term)
                }
                pl[r] = Float(total)
            }
        }
    }

    public func splineBackward(
        _ spec: SplineSpec, x: any DeviceBuffer, parameters: any DeviceBuffer, gradY: any DeviceBuffer,
        gradLogDet: any DeviceBuffer, gradX: any DeviceBuffer, gradParameters: any DeviceBuffer
    ) throws {
        let op = "splineBackward"
        let (px, pp, pdy, pdl) = (try floats(x, op), try floats(parameters, op), try floats(gradY, op), try floats(gradLogDet, op))
        let (pdx, pdp) = (try floats(gradX, op), try floats(gradParameters, op))
        let (columns, options) = (spec.columns, spec.options)
        let per = options.parametersPerElement
        Parallel.forEachRange(spec.rows, grain: max(1, 1024 / max(1, columns * options.bins))) { rows in
            for r in rows {
                for j in r * columns..<(r + 1) * columns {
                    SplineMath.backward(
                        pp + j * per, options, px[j], g: pdy[j], gl: pdl[r], gradX: &pdx[j], gradParameters: pdp + j * per)
                }
            }
        }
    }
}
