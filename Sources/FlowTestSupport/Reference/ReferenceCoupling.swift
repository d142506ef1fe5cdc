import FlowRuntime
import Foundation

extension Reference {
    /// The bounded scale `s(h)`, its log and their derivatives with respect to `h`.
    public struct CouplingScaleValue: Sendable {
        public var s: Double
        public var logS: Double
        public var dS: Double
        public var dLogS: Double
    }

    public static func couplingScale(_ h: Double, _ kind: CouplingScale) -> CouplingScaleValue {
        switch kind {
        case .expTanh:
            // s = exp(tanh h): log s = tanh h, d log s/dh = 1 − tanh² h.
            let t = tanh(h)
            let s = exp(t)
            return CouplingScaleValue(s: s, logS: t, dS: s * (1 - t * t), dLogS: 1 - t * t)
        case .sigmoidShifted:
            // s = σ(h + 2): log s = −log(1 + e^−z) (stable form), ds/dh = σ(1 − σ), d log s/dh = 1 − σ.
            let z = h + 2
            let sigma = 1 / (1 + exp(-z))
            let logS = z >= 0 ? -log1p(exp(-z)) : z - log1p(exp(z))
            return CouplingScaleValue(s: sigma, logS: logS, dS: sigma * (1 - sigma), dLogS: 1 - sigma)
        }
    }

    /// Forward: `y = x ⊙ s + t` (scaleThenShift) or `y = (x − t) ⊙ s` (shiftThenScale), `logDet_r = Σ_j log s`.
    /// Inverse (`x` holds y): `x = (y − t) / s` or `x = y / s + t`, `logDet_r = −Σ_j log s`.
    public static func coupling(
        _ spec: CouplingSpec, inverse: Bool, x: [Double], shift: [Double], rawScale: [Double]
    ) -> (y: [Double], logDet: [Double]) {
        var y = [Double](repeating: 0, count: spec.rows * spec.columns)
        var logDet = [Double](repeating: 0, count: spec.rows)
        for r in 0..<spec.rows {
            for j in 0..<spec.columns {
                let index = r * spec.columns + j
                let scale = couplingScale(rawScale[index], spec.scale)
                let t = shift[index]
                switch (spec.order, inverse) {
                case (.scaleThenShift, false): y[index] = x[index] * scale.s + t
                case (.shiftThenScale, false): y[index] = (x[index] - t) * scale.s
                case (.scaleThenShift, true): y[index] = (x[index] - t) / scale.s
                case (.shiftThenScale, true): y[index] = x[index] / scale.s + t
                }
                logDet[r] += inverse ? -scale.logS : scale.logS
            }
        }
        return (y, logDet)
    }

    /// Backward of the forward coupling for `L = Σ gradY ⊙ y + Σ_r gradLogDet_r · logDet_r`.
    public static func couplingBackward(
        _ spec: CouplingSpec, x: [Double], shift: [Double], rawScale: [Double], gradY: [Double], gradLogDet: [Double]
    ) -> (input: [Double], shift: [Double], rawScale: [Double]) {
        let count = spec.rows * spec.columns
        var gradX = [Double](repeating: 0, count: count)
        var gradShift = [Double](repeating: 0, count: count)
        var gradRaw = [Double](repeating: 0, count: count)
        for r in 0..<spec.rows {
            for j in 0..<spec.columns {
                let index = r * spec.columns + j
                let scale = couplingScale(rawScale[index], spec.scale)
                let dy = gradY[index]
                gradX[index] = dy * scale.s
                // y = x·s + t  or  y = (x − t)·s: the factor multiplying s is x or x − t.
                let scaled = spec.order == .scaleThenShift ? x[index] : x[index] - shift[index]
                gradShift[index] = spec.order == .scaleThenShift ? dy : -dy * scale.s
                gradRaw[index] = dy * scaled * scale.dS + gradLogDet[r] * scale.dLogS
            }
        }
        return (gradX, gradShift, gradRaw)
    }
}
