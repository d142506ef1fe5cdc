import FlowRuntime
import FlowTestSupport
import Foundation
import Testing

/// Spline outputs are ~30 float ops on exp/log/softplus values of inputs O(B) (knots are sums of K
/// shares, each off by a few ulps): a few ulps of B = 2.5 is ~1e-6, so atol 2e-5 leaves margin
/// while a wrong bin or formula is off by O(0.1). Log-det terms are `2 log s + log dn − 2 log den`,
/// each log off by a few ulps of its argument (absolute ~1e-6 per term): `OpTolerance.splineLogDetTermError`
/// per term, plus the relative accumulation of `Tolerance.accumulated` (`OpTolerance.splineAtol`,
/// which `SplineCase` compares y with).
private let splineRtol = OpTolerance.splineRtol

/// The inverse is as well conditioned as the spline is steep: an error of a few ulps of B in y (the
/// input's rounding, the knots') moves x by that much divided by the slope dy/dx, which these
/// logits take down to ~1e-3. So element i may be off by `2e-5 + 2e-6 / slope_i` (2e-6 ≈ 8 ulps
/// of 2.5); a wrong bin or root is off by O(0.1) where the slope is O(1).
func splineInverseTolerance(_ spec: SplineSpec, x: [Double], parameters: [Double]) -> [Double] {
    OpTolerance.splineInverse(spec, x: x, parameters: parameters)
}

/// Per-row tolerance of a log-det: every term's own error plus the float summation's.
func splineLogDetTolerance(_ spec: SplineSpec, terms: [Double]) -> [Double] {
    OpTolerance.splineLogDet(spec, terms: terms)
}

/// Each element's log-det term (the reference's), for tolerances.
func splineTerms(_ spec: SplineSpec, inverse: Bool, x: [Double], parameters: [Double]) -> [Double] {
    OpTolerance.splineTerms(spec, inverse: inverse, x: x, parameters: parameters)
}

@Suite struct SplineTests {
    /// Forward and inverse on `SplineCase.shapes` (the comparisons `flowkit check` reports too).
    @Test(arguments: TestDevices.all, SplineCase.standard)
    func forwardAndInverseMatchReference(_ d: TestDevice, _ c: SplineCase) throws {
        for shape in SplineCase.shapes {
            expect(try c.forwardInverse(on: d, shape: shape), "\(c) \(shape)")
        }
    }

    /// inverse(forward(x)) = x on the device alone, and the two log-dets cancel.
    @Test(arguments: TestDevices.all, SplineCase.standard)
    func inverseUndoesForward(_ d: TestDevice, _ c: SplineCase) throws {
        let shape = [19, 23]
        let spec = c.spec(shape)
        let data = c.data(spec.count, seed: 51)
        let p = try d.tensor(data.parameters, shape + [c.per])
        let forward = try d.tensor(data.x, shape).rationalQuadraticSpline(parameters: p, options: c.options)
        let back = try forward.output.rationalQuadraticSpline(parameters: p, options: c.options, inverse: true)
        let xTolerance = splineInverseTolerance(spec, x: data.x, parameters: data.parameters)
        try expectClose(back.output, data.x, rtol: 0, atol: xTolerance, "\(c) round trip")
        // The log-dets cancel up to x's error times the slope of log dy/dx (central differences of the reference).
        let slopeOfLog = (0..<spec.count).map { i -> Double in
            let slice = data.parameters[i * c.per..<(i + 1) * c.per]
            return abs(
                FiniteDifference.gradient(
                    of: { Reference.splineElement($0[0], slice, c.options, inverse: false).1 }, at: [data.x[i]])[0])
        }
        let terms = splineTerms(spec, inverse: false, x: data.x, parameters: data.parameters)
        let allowed = zip(splineLogDetTolerance(spec, terms: terms), 0..<spec.rows).map { base, r in
            2 * base + (0..<spec.columns).reduce(0.0) { $0 + slopeOfLog[r * spec.columns + $1] * xTolerance[r * spec.columns + $1] }
        }
        try expectClose(back.logDet, try forward.logDet.values().map { -$0 }, rtol: 0, atol: allowed, "\(c) logDet cancels")
    }

    /// The device log-det against the log of a central finite-difference slope of the Double
    /// reference's y (so the reference's closed-form slope is checked too).
    @Test(arguments: TestDevices.all, SplineCase.standard)
    func logDetMatchesFiniteDifferenceSlope(_ d: TestDevice, _ c: SplineCase) throws {
        let shape = [7, 11]
        let spec = c.spec(shape)
        let data = c.data(spec.count, seed: 52)
        let forward = try d.tensor(data.x, shape).rationalQuadraticSpline(
            parameters: d.tensor(data.parameters, shape + [c.per]), options: c.options)
        var expected = [Double](repeating: 0, count: shape[0])
        for i in 0..<spec.count {
            let slice = data.parameters[i * c.per..<(i + 1) * c.per]
            let slope = FiniteDifference.gradient(
                of: { Reference.splineElement($0[0], slice, c.options, inverse: false).0 }, at: [data.x[i]])[0]
            expected[i / spec.columns] += log(slope)
        }
        let terms = splineTerms(spec, inverse: false, x: data.x, parameters: data.parameters)
        // The finite difference of y is good to ~1e-9 relative: the device's tolerance dominates.
        try expectClose(forward.logDet, expected, rtol: splineRtol, atol: splineLogDetTolerance(spec, terms: terms), "\(c) logDet vs FD")
    }
}
