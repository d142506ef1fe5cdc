import FlowRuntime
import FlowTestSupport
import Testing

/// Unary maps: OpenCL's full profile allows 3–5 ulps for exp/log/tanh and compositions (sigmoid,
/// softplus) add a few more; rtol 2e-6 (≈ 32 ulps) plus atol 1e-7 where results underflow towards 0
/// (softplus of −30 is 9e-14, computed as a difference near 1). A wrong formula is off by O(1).
/// Derivatives formed from y (1 − y², y(1 − y)) lose relative accuracy by cancellation where f' is
/// small: the error is a few ulps of 1 times |dy|, hence atol 1e-6 on top of the unary rtol.
/// +, −, × of two floats: the device result is the correctly rounded value, within half an ulp
/// (6e-8) of the exact Double result. (`OpTolerance.unaryRtol`, `unaryAtol`, `unaryBackwardAtol`
/// and `binaryRtol`, which `UnaryCase`, `BinaryCases` and `BinaryBackwardCase` compare with.)
@Suite struct ElementwiseTests {
    /// `UnaryCase.all` on every count (the comparisons `flowkit check` reports too).
    @Test(arguments: TestDevices.all, UnaryCase.all)
    func unaryAndBackwardMatchReference(_ d: TestDevice, _ c: UnaryCase) throws {
        var rng = UnaryCase.random
        for count in UnaryCase.counts {
            expect(try c.run(on: d, count: count, rng: &rng), "\(c) count \(count)")
        }
    }

    @Test(arguments: TestDevices.all, UnaryCase.all)
    func unaryBackwardMatchesFiniteDifferences(_ d: TestDevice, _ c: UnaryCase) throws {
        var rng = SeededRandom(seed: 72)
        let x = rng.floats(7, in: c.range, awayFromZero: 1e-3)
        let gradY = rng.floats(7)
        let input = try d.tensor(x, [7])
        let gradX = try Tensor.unaryBackward(c.op, input: input, output: input.unary(c.op), gradOutput: d.tensor(gradY, [7]))
        // exp(10)·dy is ~2e4: compare relative to that scale.
        let scale = Reference.unaryBackward(c.op, x: x, gradY: gradY).map(abs).max() ?? 1
        let numeric = FiniteDifference.gradient(of: { Reference.dot(gradY, Reference.unary(c.op, x: $0)) }, at: x)
        expectClose(
            try gradX.values(), numeric, rtol: finiteDifferenceRtol, atol: finiteDifferenceAtol * max(1, scale),
            "\(c) backward vs finite differences")
    }

    /// `BinaryCases.shapes` and a plain vector (the comparisons `flowkit check` reports too).
    @Test(arguments: TestDevices.all, BinaryCases.ops)
    func binaryMatchesReference(_ d: TestDevice, _ op: BinaryOp) throws {
        var rng = BinaryCases.random
        for shape in BinaryCases.shapes {
            expect(try BinaryCases.forward(on: d, op: op, shape: shape, rng: &rng), "\(shape)")
        }
        expect([try BinaryCases.vector(on: d, op: op, rng: &rng)], "[257]")
    }

    /// `BinaryBackwardCase.all` against the reference (the comparisons `flowkit check` reports
    /// too) and, where small, against finite differences.
    @Test(arguments: TestDevices.all, BinaryCases.ops)
    func binaryBackwardMatchesReferenceAndFiniteDifferences(_ d: TestDevice, _ op: BinaryOp) throws {
        for c in BinaryBackwardCase.all {
            let result = try c.run(on: d, op: op)
            expect(result.comparisons, "\(c)")
            let view = c.view
            if view.count <= 24 {
                try expectGradients(
                    [result.gradA, result.gradB],
                    matchFiniteDifferencesOf: { p in
                        Reference.dot(c.gradC, Reference.binary(op, view: view, broadcastB: c.broadcast, a: p[0], b: p[1]))
                    }, at: [c.a, c.b], names: ["a", "b"], "\(op) backward \(c)")
            }
        }
    }
}
