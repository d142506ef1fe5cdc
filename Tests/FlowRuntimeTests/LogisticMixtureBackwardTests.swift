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

    /// Larger awkward shapes against the element-by-element finite-difference reference.
    @Test(arguments: TestDevices.all, LogisticMixtureCase.standard)
    func backwardMatchesReference(_ d: TestDevice, _ c: LogisticMixtureCase) throws {
        for shape in [[33, 17], [1, 65], [2, 3, 5]] {
            let spec = c.spec(shape)
            let data = c.data(spec.count, seed: 76)
            var rng = SeededRandom(seed: 77)
            let (gradY, gradLogDet) = (rng.floats(spec.count), rng.floats(shape[0]))
            try d.poisonCache(spec.count, spec.count * c.per)
            let grads = try Tensor.logisticMixtureBackward(
                input: d.tensor(data.x, shape), parameters: d.tensor(data.parameters, shape + [c.per]), options: c.options,
                gradOutput: d.tensor(gradY, shape), gradLogDet: d.tensor(gradLogDet, [shape[0]]))
            let expected = Reference.logisticMixtureBackward(
                spec, x: data.x, parameters: data.parameters, gradY: gradY, gradLogDet: gradLogDet)
            let label = "\(c) \(shape)"
            expectClose(try grads.input.values(), expected.input, rtol: mixtureGradRtol, atol: mixtureGradAtol, "\(label) ∂x")
            expectMixtureParameterGradients(try grads.parameters.values(), expected.parameters, c, label)
        }
    }
}

/// Compares packed parameter gradients group by group, so a failure names the group.
func expectMixtureParameterGradients(
    _ actual: [Double], _ expected: [Double], _ c: LogisticMixtureCase, _ label: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let k = c.k
    let groups = [("logits", 0..<k), ("means", k..<2 * k), ("log-scales", 2 * k..<3 * k), ("a", 3 * k..<3 * k + 1), ("b", 3 * k + 1..<3 * k + 2)]
    for (name, range) in groups {
        let pick = { (values: [Double]) in
            stride(from: 0, to: values.count, by: c.per).flatMap { base in range.map { values[base + $0] } }
        }
        expectClose(
            pick(actual), pick(expected), rtol: mixtureGradRtol, atol: mixtureGradAtol, "\(label) ∂\(name)",
            sourceLocation: sourceLocation)
    }
}
