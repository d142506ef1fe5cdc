import FlowRuntime
import Foundation

extension Reference {
    /// Flat index of element `[o, m, i]` of an `[outer, mid, inner]` view.
    @inline(__always)
    static func index(_ view: AxisView, _ o: Int, _ m: Int, _ i: Int) -> Int { (o * view.mid + m) * view.inner + i }

    /// ActNorm: forward `y = (x − loc_c)·exp(−logScale_c)`, inverse `y = x·exp(logScale_c) + loc_c`.
    public static func channelAffine(
        _ view: AxisView, inverse: Bool, x: [Double], loc: [Double], logScale: [Double]
    ) -> [Double] {
        var y = [Double](repeating: 0, count: view.count)
        for o in 0..<view.outer {
            for m in 0..<view.mid {
                for i in 0..<view.inner {
                    let k = index(view, o, m, i)
                    y[k] = inverse ? x[k] * exp(logScale[m]) + loc[m] : (x[k] - loc[m]) * exp(-logScale[m])
                }
            }
        }
        return y
    }

    /// Per-sample ActNorm log-det: `∓inner · Σ_c logScale_c` (minus forward, plus inverse).
    public static func channelAffineLogDet(_ view: AxisView, inverse: Bool, logScale: [Double]) -> [Double] {
        var total = 0.0
        for value in logScale { total += value }
        let perSample = Double(view.inner) * total * (inverse ? 1 : -1)
        return [Double](repeating: perSample, count: view.outer)
    }

    /// Backward of forward ActNorm for `L = Σ gradY ⊙ y + Σ_o gradLogDet_o · logDet_o`.
    public static func channelAffineBackward(
        _ view: AxisView, x: [Double], loc: [Double], logScale: [Double], gradY: [Double], gradLogDet: [Double]
    ) -> (input: [Double], loc: [Double], logScale: [Double]) {
        var gradX = [Double](repeating: 0, count: view.count)
        var gradLoc = [Double](repeating: 0, count: view.mid)
        var gradLogScale = [Double](repeating: 0, count: view.mid)
        for o in 0..<view.outer {
            for m in 0..<view.mid {
                let factor = exp(-logScale[m])
                for i in 0..<view.inner {
                    let k = index(view, o, m, i)
                    gradX[k] = gradY[k] * factor
                    gradLoc[m] -= gradY[k] * factor
                    gradLogScale[m] -= gradY[k] * (x[k] - loc[m]) * factor
                }
                // logDet_o = −inner · Σ_c logScale_c.
                gradLogScale[m] -= Double(view.inner) * gradLogDet[o]
            }
        }
        return (gradX, gradLoc, gradLogScale)
    }

    /// PReLU: `y = x` for x ≥ 0, `slope_c · x` otherwise.
    public static func prelu(_ view: AxisView, x: [Double], slope: [Double]) -> [Double] {
        var y = [Double](repeating: 0, count: view.count)
        for o in 0..<view.outer {
            for m in 0..<view.mid {
                for i in 0..<view.inner {
                    let k = index(view, o, m, i)
                    y[k] = x[k] >= 0 ? x[k] : slope[m] * x[k]
                }
            }
        }
        return y
    }

    /// Backward of `prelu`: `∂x = dy` or `slope_c · dy`, `∂slope_c = Σ_{x<0} dy · x`.
    public static func preluBackward(_ view: AxisView, x: [Double], slope: [Double], gradY: [Double])
        -> (input: [Double], slope: [Double])
    {
        var gradX = [Double](repeating: 0, count: view.count)
        var gradSlope = [Double](repeating: 0, count: view.mid)
        for o in 0..<view.outer {
            for m in 0..<view.mid {
                for i in 0..<view.inner {
                    let k = index(view, o, m, i)
                    if x[k] >= 0 {
                        gradX[k] = gradY[k]
                    } else {
                        gradX[k] = slope[m] * gradY[k]
                        gradSlope[m] += gradY[k] * x[k]
                    }
                }
            }
        }
        return (gradX, gradSlope)
    }

    /// `out[m] = Σ_{o, i} f(x[o, m, i])` with `f(x) = x` or `x²`.
    public static func reduceSum(_ view: AxisView, squared: Bool, x: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: view.mid)
        for o in 0..<view.outer {
            for m in 0..<view.mid {
                for i in 0..<view.inner {
                    let value = x[index(view, o, m, i)]
                    out[m] += squared ? value * value : value
                }
            }
        }
        return out
    }

    /// `out[r] = −½ Σ_j x_rj² − (columns/2)·log 2π`.
    public static func normalLogProb(rows: Int, columns: Int, x: [Double]) -> [Double] {
        let constant = Double(columns) / 2 * log(2 * Double.pi)
        return (0..<rows).map { r in
            var sum = 0.0
            for j in 0..<columns { sum += x[r * columns + j] * x[r * columns + j] }
            return -0.5 * sum - constant
        }
    }

    /// Per-row magnitude of the terms of `normalLogProb` (for error bounds).
    public static func normalLogProbMagnitude(rows: Int, columns: Int, x: [Double]) -> [Double] {
        normalLogProb(rows: rows, columns: columns, x: x).map(abs)
    }
}
