import FlowRuntime
import Foundation

/// The tolerances of the op tests (Tests/FlowRuntimeTests) and of `flowkit check`, kept in one
/// place so the shipped conformance suite and the Swift tests cannot drift apart. Why each value
/// is what it is, is written next to the test that uses it (GemmTests, ConvTests, SplineTests, …).
public enum OpTolerance {
    /// Matrix products: `gemmAtol` for the accumulation, plus this for the final rounding and the
    /// alpha/beta/bias arithmetic.
    public static let gemmRtol = 1e-6
    /// The MLP coupling (`Tensor.mlpAffineCoupling`), float32 against double through up to three
    /// chained layers of ≤ 129 terms and the scale's exp/tanh: 1e-4 relative, and 1e-4 of the
    /// tensor's largest value absolute, far above the rounding (about 1e-6 of it) and far below
    /// what a wrong column, row or term gives.
    public static let mlpCouplingRtol = 1e-4
    public static func mlpCouplingAtol(_ expected: [Double]) -> Double { 1e-4 * expected.reduce(1.0) { max($0, abs($1)) } }
    /// Glow's LU weight and its gradients (`ReferenceLUWeight`'s per-entry tolerances for the
    /// sums), plus this for the final rounding.
    public static let luWeightRtol = 1e-6
    public static let convRtol = 1e-6
    public static let convBackwardRtol = 1e-6
    public static let couplingRtol = 1e-5
    public static let couplingAtol = 1e-5
    public static let couplingLogDetTermError = 1e-6
    public static let unaryRtol = 2e-6
    public static let unaryAtol = 1e-7
    public static let unaryBackwardAtol = 1e-6
    public static let binaryRtol = 1e-7
    public static let channelRtol = 1e-5
    public static let channelAtol = 1e-6
    public static let reduceRtol = 1e-6
    public static let splineRtol = 1e-5
    public static let splineAtol = 2e-5
    public static let splineLogDetTermError = 2e-6
    public static let splineGradRtol = 1e-3
    public static let splineGradAtol = 1e-3
    public static let mixtureGradRtol = 1e-3
    public static let mixtureGradAtol = 1e-4
    /// Relative error allowed per log-domain quantity of the logistic mixture (≈ 33 float ulps).
    public static let mixtureRelative = 2e-6
    public static let adamMomentFactor = 8 * Tolerance.epsilon
    public static let adamRtol = 1e-6
    public static let adamParamAtol = 1e-7
    /// Device normals against Box–Muller in Double.
    public static let normalAtol = 1e-5

    /// Per-element absolute tolerance of a product: `k` terms, alpha·AB, beta·C and the bias.
    public static func gemmAtol(_ spec: GemmSpec, a: [Double], b: [Double], c: [Double], bias: [Double]?) -> [Double] {
        Tolerance.accumulated(terms: spec.k + 2, magnitude: Reference.gemmMagnitude(spec, a: a, b: b, c: c, bias: bias))
    }

    /// Per-row tolerance of a coupling log-det: `columns` terms `log s(h)`, each a few ulps off.
    public static func couplingLogDet(_ spec: CouplingSpec, rawScale: [Double]) -> [Double] {
        let magnitude = (0..<spec.rows).map { r in
            (0..<spec.columns).reduce(0.0) { $0 + abs(Reference.couplingScale(rawScale[r * spec.columns + $1], spec.scale).logS) }
        }
        return Tolerance.accumulated(terms: spec.columns, magnitude: magnitude, termError: couplingLogDetTermError)
    }

    /// Each element's spline log-det term (the reference's), for tolerances.
    public static func splineTerms(_ spec: SplineSpec, inverse: Bool, x: [Double], parameters: [Double]) -> [Double] {
        let per = spec.options.parametersPerElement
        return (0..<x.count).map { i in
            Reference.splineElement(x[i], parameters[i * per..<(i + 1) * per], spec.options, inverse: inverse).1
        }
    }

    /// Per-element tolerance of a spline inverse: `2e-5 + 2e-6 / slope` (see SplineTests).
    public static func splineInverse(_ spec: SplineSpec, x: [Double], parameters: [Double]) -> [Double] {
        splineTerms(spec, inverse: false, x: x, parameters: parameters).map { 2e-5 + 2e-6 / exp($0) }
    }

    /// Per-row tolerance of a spline log-det: every term's own error plus the float summation's.
    public static func splineLogDet(_ spec: SplineSpec, terms: [Double]) -> [Double] {
        let magnitude = (0..<spec.rows).map { r in
            (0..<spec.columns).reduce(0.0) { $0 + abs(terms[r * spec.columns + $1]) }
        }
        let accumulated = Tolerance.accumulated(terms: spec.columns, magnitude: magnitude, termError: 1e-6)
        return accumulated.map { $0 + Double(spec.columns) * splineLogDetTermError }
    }

    private static func mixtureSlice(_ parameters: [Double], _ i: Int, _ o: LogisticMixtureOptions) -> ArraySlice<Double> {
        parameters[i * o.parametersPerElement..<(i + 1) * o.parametersPerElement]
    }

    /// Per-element error allowed in a logistic mixture's y (see LogisticMixtureCase).
    public static func mixtureOutput(_ o: LogisticMixtureOptions, x: [Double], parameters: [Double]) -> [Double] {
        (0..<x.count).map { i in
            let p = mixtureSlice(parameters, i, o)
            let l = Reference.logisticMixtureLogs(x[i], p, o)
            let a = Reference.mixtureAffineLogScale(p, o)
            let y = Reference.logisticMixtureValue(x[i], p, o)
            return mixtureRelative * (1 + (abs(l.logF) + abs(l.log1mF)) * exp(a) + abs(y))
        }
    }

    /// Per-row error allowed in a logistic mixture's log-det.
    public static func mixtureLogDet(_ spec: LogisticMixtureSpec, x: [Double], parameters: [Double]) -> [Double] {
        let o = spec.options
        let parts = (0..<x.count).map { i -> (error: Double, magnitude: Double) in
            let p = mixtureSlice(parameters, i, o)
            let l = Reference.logisticMixtureLogs(x[i], p, o)
            let a = Reference.mixtureAffineLogScale(p, o)
            let term = l.logDensity - l.logF - l.log1mF + a
            return (mixtureRelative * (1 + abs(l.logDensity) + abs(l.logF) + abs(l.log1mF) + abs(a)), abs(term))
        }
        return (0..<spec.rows).map { r in
            let row = parts[r * spec.columns..<(r + 1) * spec.columns]
            let magnitude = row.reduce(0.0) { $0 + $1.magnitude }
            let accumulated = Tolerance.accumulated(terms: spec.columns, magnitude: [magnitude])[0]
            return accumulated + row.reduce(0.0) { $0 + $1.error }
        }
    }

    /// Per-element error allowed in a logistic mixture inverse's x: the y-domain error over the slope.
    public static func mixtureInverse(_ o: LogisticMixtureOptions, x: [Double], parameters: [Double]) -> [Double] {
        let yError = mixtureOutput(o, x: x, parameters: parameters)
        return (0..<x.count).map { i in
            let slope = exp(Reference.logisticMixtureElement(x[i], mixtureSlice(parameters, i, o), o, inverse: false).1)
            return 1e-6 * (1 + abs(x[i])) + yError[i] / slope
        }
    }

    /// Per-element tolerances of Adam's m and v for one step from (`param`, `m`, `v`) with `grad`.
    public static func adamMoments(_ hyper: AdamHyper, param: [Double], grad: [Double], m: [Double], v: [Double])
        -> (m: [Double], v: [Double])
    {
        let (beta1, beta2) = (Double(hyper.beta1), Double(hyper.beta2))
        let decay = hyper.decoupled ? 0 : Double(hyper.weightDecay)
        let gradAbs = (0..<grad.count).map { abs(grad[$0]) + decay * abs(param[$0]) }
        let mTolerance = (0..<grad.count).map { adamMomentFactor * (beta1 * abs(m[$0]) + (1 - beta1) * gradAbs[$0]) }
        let vTolerance = (0..<grad.count).map {
            adamMomentFactor * (beta2 * v[$0] + (1 - beta2) * gradAbs[$0] * gradAbs[$0])
        }
        return (mTolerance, vTolerance)
    }
}
