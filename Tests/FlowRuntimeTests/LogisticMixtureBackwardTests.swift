import FlowRuntime
import FlowTestSupport
import Testing

/// Mixture gradients are sums over components of responsibilities times `σ(±z)`, `z` and
/// `exp(−s)` (up to ~4.5 for these log-scales), each a few float ulps off: ~1e-5 relative at worst.
/// Against finite differences of the Double reference (~1e-9), rtol 1e-3 / atol 1e-4 leaves margin
/// and still catches a wrong or missing term, which is off by O(0.1).
let mixtureGradRtol = OpTolerance.mixtureGradRtol
let mixtureGradAtol = OpTolerance.mixtureGradAtol

@Suite struct LogisticMixtureBackwardTests {
    /// Every gradient (x, logits, means, log-scales, a, b) against finite differences of the whole
    /// Double-reference loss, perturbing one value at a time.
    @Test(arguments: TestDevices.all, LogisticMixtureCase.standard)
    func backwardMatchesFiniteDifferences(_ d: TestDevice, _ c: LogisticMixtureCase) throws {
        let shape = [3, 5]
        let spec = c.spec(shape)
        let data = c.data(15, seed: 74)
        var rng = SeededRandom(seed: 75)
        let (gradY, gradLogDet) = (rng.floats(15), rng.floats(3))
        let grads = try Tensor.logisticMixtureBackward(
            input: d.tensor(data.x, shape), parameters: d.tensor(data.parameters, shape + [c.per]), options: c.options,
            gradOutput: d.tensor(gradY, shape), gradLogDet: d.tensor(gradLogDet, [3]))
        let numeric = FiniteDifference.gradients(
            of: { v in
                let out = Reference.logisticMixture(spec, inverse: false, x: v[0], parameters: v[1])
                return Reference.dot(gradY, out.y) + Reference.dot(gradLogDet, out.logDet)
            }, at: [data.x, data.parameters])
        expectClose(try grads.input.values(), numeric[0], rtol: mixtureGradRtol, atol: mixtureGradAtol, "\(c) ∂x")
        expectMixtureParameterGradients(try grads.parameters.values(), numeric[1], c, "\(c)")
    }

    /// Larger awkward shapes (`LogisticMixtureCase.backwardShapes`) against the element-by-element
    /// finite-difference reference (the comparisons `flowkit check` reports too).
    @Test(arguments: TestDevices.all, LogisticMixtureCase.standard)
    func backwardMatchesReference(_ d: TestDevice, _ c: LogisticMixtureCase) throws {
        for shape in LogisticMixtureCase.backwardShapes {
            expect(try c.backward(on: d, shape: shape), "\(c) \(shape)")
        }
    }
}

/// Compares packed parameter gradients group by group, so a failure names the group.
func expectMixtureParameterGradients(
    _ actual: [Double], _ expected: [Double], _ c: LogisticMixtureCase, _ label: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    expect(c.parameterGradients(op: "∂", actual, expected), label, sourceLocation: sourceLocation)
}
