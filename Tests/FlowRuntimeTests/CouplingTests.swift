import FlowRuntime
import FlowTestSupport
import Testing

/// Coupling outputs and gradients are a handful of float ops on exp/tanh/sigmoid values (each good
/// to a few ulps) with intermediate products up to ≈ 10 (|x·s| ≤ 2e, |dy·x·ds/dh| ≤ 3e): a few
/// ulps of those is ~1e-6 absolute, so atol 1e-5 where cancellation makes a result small, rtol 1e-5
/// elsewhere. A wrong formula is off by O(1). The per-sample log-det sums `columns` terms `log s`
/// that each carry such an error: `Tolerance.accumulated` with termError 1e-6 (`OpTolerance.couplingRtol`,
/// `couplingAtol` and `couplingLogDet`, which `CouplingCase` compares with).
@Suite struct CouplingTests {
    /// Forward and inverse on `CouplingCase.shapes` (the comparisons `flowkit check` reports too).
    @Test(arguments: TestDevices.all, CouplingCase.all)
    func forwardAndInverseMatchReference(_ d: TestDevice, _ v: CouplingCase) throws {
        for shape in CouplingCase.shapes {
            expect(try v.forwardInverse(on: d, shape: shape), "\(v) \(shape)")
        }
    }

    /// inverse(forward(x)) = x on the device alone, and the two log-dets cancel.
    @Test(arguments: TestDevices.all, CouplingCase.all)
    func inverseUndoesForward(_ d: TestDevice, _ v: CouplingCase) throws {
        let shape = [17, 33]
        let data = CouplingCase.data(17 * 33, seed: 41)
        let (t, h) = (try d.tensor(data.shift, shape), try d.tensor(data.raw, shape))
        let forward = try d.tensor(data.x, shape).affineCoupling(shift: t, rawScale: h, scale: v.scale, order: v.order)
        let back = try forward.output.affineCoupling(shift: t, rawScale: h, scale: v.scale, order: v.order, inverse: true)
        // Two roundings of |y| ≲ 5 and a division: a few ulps of the larger intermediate.
        try expectClose(back.output, data.x, rtol: 1e-5, atol: 5e-6, "\(v) round trip")
        try expectClose(back.logDet, try forward.logDet.values().map { -$0 }, rtol: 0, atol: 1e-5, "\(v) logDet cancels")
    }

    @Test(arguments: TestDevices.all, CouplingCase.all)
    func backwardMatchesFiniteDifferences(_ d: TestDevice, _ v: CouplingCase) throws {
        let shape = [3, 5]
        let spec = CouplingSpec(rows: 3, columns: 5, scale: v.scale, order: v.order)
        let data = CouplingCase.data(15, seed: 42)
        var rng = SeededRandom(seed: 43)
        let (gradY, gradLogDet) = (rng.floats(15), rng.floats(3))
        let grads = try Tensor.affineCouplingBackward(
            input: d.tensor(data.x, shape), shift: d.tensor(data.shift, shape), rawScale: d.tensor(data.raw, shape),
            scale: v.scale, order: v.order, gradOutput: d.tensor(gradY, shape), gradLogDet: d.tensor(gradLogDet, [3]))
        try expectGradients(
            [grads.input, grads.shift, grads.rawScale],
            matchFiniteDifferencesOf: { p in
                let out = Reference.coupling(spec, inverse: false, x: p[0], shift: p[1], rawScale: p[2])
                return Reference.dot(gradY, out.y) + Reference.dot(gradLogDet, out.logDet)
            }, at: [data.x, data.shift, data.raw], names: ["x", "t", "h"], "coupling backward \(v)")
    }

    /// `CouplingCase.backwardShapes` against the reference (the comparisons `flowkit check` reports too).
    @Test(arguments: TestDevices.all, CouplingCase.all)
    func backwardMatchesReference(_ d: TestDevice, _ v: CouplingCase) throws {
        for shape in CouplingCase.backwardShapes {
            expect(try v.backward(on: d, shape: shape), "\(v) \(shape)")
        }
    }
}
