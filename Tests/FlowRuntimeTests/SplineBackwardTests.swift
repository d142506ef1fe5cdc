import FlowRuntime
import FlowTestSupport
import Testing

/// Spline gradients divide by bin widths and slopes (down to ~0.02 for these logits), so a float
/// error of a few ulps in a knot becomes ~1e-5 relative in the result; against the finite
/// differences of the Double reference (~1e-9), rtol 1e-3 / atol 1e-3 still catches a wrong term,
/// which is off by O(0.1).
let splineGradRtol = OpTolerance.splineGradRtol
let splineGradAtol = OpTolerance.splineGradAtol

@Suite struct SplineBackwardTests {
    /// Every gradient (x, widths, heights, derivatives) against finite differences of the whole
    /// Double-reference loss, perturbing one value at a time.
    @Test(arguments: TestDevices.all, SplineCase.standard)
    func backwardMatchesFiniteDifferences(_ d: TestDevice, _ c: SplineCase) throws {
        let shape = [3, 5]
        let spec = c.spec(shape)
        let data = c.data(15, seed: 53)
        var rng = SeededRandom(seed: 54)
        let (gradY, gradLogDet) = (rng.floats(15), rng.floats(3))
        let grads = try Tensor.rationalQuadraticSplineBackward(
            input: d.tensor(data.x, shape), parameters: d.tensor(data.parameters, shape + [c.per]), options: c.options,
            gradOutput: d.tensor(gradY, shape), gradLogDet: d.tensor(gradLogDet, [3]))
        let numeric = FiniteDifference.gradients(
            of: { v in
                let out = Reference.spline(spec, inverse: false, x: v[0], parameters: v[1])
                return Reference.dot(gradY, out.y) + Reference.dot(gradLogDet, out.logDet)
            }, at: [data.x, data.parameters])
        expectClose(try grads.input.values(), numeric[0], rtol: splineGradRtol, atol: splineGradAtol, "\(c) ∂x")
        expectSplineParameterGradients(try grads.parameters.values(), numeric[1], c, "\(c)")
    }

    /// Larger awkward shapes (`SplineCase.backwardShapes`) against the element-by-element
    /// finite-difference reference (the comparisons `flowkit check` reports too).
    @Test(arguments: TestDevices.all, SplineCase.standard)
    func backwardMatchesReference(_ d: TestDevice, _ c: SplineCase) throws {
        for shape in SplineCase.backwardShapes {
            expect(try c.backward(on: d, shape: shape), "\(c) \(shape)")
        }
    }
}

/// Compares packed parameter gradients group by group, so a failure names widths, heights or derivatives.
func expectSplineParameterGradients(
    _ actual: [Double], _ expected: [Double], _ c: SplineCase, _ label: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    expect(c.parameterGradients(op: "∂", actual, expected), label, sourceLocation: sourceLocation)
}
