import FlowRuntime
import FlowTestSupport

/// Relative error allowed per log-domain quantity: 2e-6 ≈ 33 float ulps. Each of log F, log(1 − F)
/// and log F′ is a log-sum-exp of a few terms built from `z = (x − μ)·exp(−s)` (exp ≤ 3 ulps in
/// OpenCL, a few roundings after), so each is off by a few ulps of the magnitudes involved; a wrong
/// formula or component is off by O(1) relative (`OpTolerance.mixtureRelative`).
///
/// Per-element error allowed in y: the relative error of `log F − log(1 − F)` (whose magnitude
/// is at most `|log F| + |log(1 − F)|`) scaled by `e^a`, plus y's own rounding.
func mixtureOutputTolerance(_ c: LogisticMixtureCase, x: [Double], parameters: [Double]) -> [Double] {
    OpTolerance.mixtureOutput(c.options, x: x, parameters: parameters)
}

/// Per-row error allowed in a log-det: each term `log F′ − log F − log(1 − F) + a` is off by the
/// relative error of its parts' magnitudes, and the float sum over columns adds `Tolerance.accumulated`.
func mixtureLogDetTolerance(_ c: LogisticMixtureCase, _ spec: LogisticMixtureSpec, x: [Double], parameters: [Double])
    -> [Double]
{
    OpTolerance.mixtureLogDet(spec, x: x, parameters: parameters)
}

/// Per-element error allowed in an inverse's x: an error in the y domain (y's own rounding on
/// upload and the float comparison `σ⁻¹F(x) < u` near the root, as in `mixtureOutputTolerance`)
/// moves x by that error over the slope dy/dx; plus x's own rounding (bisection stops at one ulp).
func mixtureInverseTolerance(_ c: LogisticMixtureCase, x: [Double], parameters: [Double]) -> [Double] {
    OpTolerance.mixtureInverse(c.options, x: x, parameters: parameters)
}
