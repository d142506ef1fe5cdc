import FlowRuntime
import FlowTestSupport
import Testing

/// m and v are two-term float sums: each is allowed 8·ε times the magnitude of its terms,
/// `β1·|m| + (1 − β1)·|g|` and `β2·v + (1 − β2)·|g|²`, where |g| is `|grad| + λ|p|` under L2 decay
/// (the decayed gradient `grad + λp` can cancel, and its rounding error is relative to the
/// operands, not to the small result). The parameter update lr·m̂/(√v̂ + ε) is O(lr) with a few ulps
/// of relative error, and the device uses float bias corrections (Double here), so the parameter is
/// off by ~ε·|p| + lr·1e-6: rtol 1e-6, atol 1e-7. (`OpTolerance.adamRtol`, `adamParamAtol`
/// and `adamMoments`, which `AdamCase` compares with).
@Suite struct AdamTests {
    /// `AdamCase.all` on every count (the comparisons `flowkit check` reports too).
    @Test(arguments: TestDevices.all, AdamCase.all)
    func stepsMatchReference(_ d: TestDevice, _ c: AdamCase) throws {
        var rng = AdamCase.random
        for count in AdamCase.counts {
            expect(try c.steps(on: d, count: count, rng: &rng), "\(c) count \(count)")
        }
    }

    /// The update moves each parameter against its gradient by about lr at step 1 (|m̂/√v̂| = 1).
    @Test(arguments: TestDevices.all)
    func firstStepMovesByLearningRate(_ d: TestDevice) throws {
        let grad: [Double] = [1, -2, 0.5, -0.25, 3]
        let param = try d.tensor([0, 0, 0, 0, 0], [5])
        let (m, v) = (try Tensor.zeros([5], on: d.device), try Tensor.zeros([5], on: d.device))
        try Tensor.adamStep(param: param, grad: d.tensor(grad, [5]), m: m, v: v, hyper: AdamHyper(learningRate: 0.01, step: 1))
        try expectClose(param, grad.map { $0 > 0 ? -0.01 : 0.01 }, rtol: 1e-5, atol: 0, "first Adam step")
    }
}
