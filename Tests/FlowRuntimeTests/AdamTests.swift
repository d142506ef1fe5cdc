import FlowRuntime
import FlowTestSupport
import Testing

/// m and v are two-term float sums: each is allowed 8·ε times the magnitude of its terms,
/// `β1·|m| + (1 − β1)·|g|` and `β2·v + (1 − β2)·|g|²`, where |g| is `|grad| + λ|p|` under L2 decay
/// (the decayed gradient `grad + λp` can cancel, and its rounding error is relative to the
/// operands, not to the small result). The parameter update lr·m̂/(√v̂ + ε) is O(lr) with a few ulps
/// of relative error, and the device uses float bias corrections (Double here), so the parameter is
/// off by ~ε·|p| + lr·1e-6: rtol 1e-6, atol 1e-7.
private let adamRtol = OpTolerance.adamRtol
private let adamParamAtol = OpTolerance.adamParamAtol

/// Per-element tolerances of m and v for one step from (`param`, `m`, `v`) with gradient `grad`.
private func momentTolerances(_ hyper: AdamHyper, param: [Double], grad: [Double], m: [Double], v: [Double])
    -> (m: [Double], v: [Double])
{
    OpTolerance.adamMoments(hyper, param: param, grad: grad, m: m, v: v)
}

struct AdamCase: Sendable, CustomStringConvertible {
    var name: String
    var hyper: AdamHyper
    var description: String { name }
}

private let adamCases: [AdamCase] = [
    AdamCase(name: "Adam defaults", hyper: AdamHyper(step: 1)),
    AdamCase(name: "AdamW λ=0.1", hyper: AdamHyper(learningRate: 1e-2, weightDecay: 0.1, decoupled: true, step: 1)),
    AdamCase(name: "L2 λ=0.1", hyper: AdamHyper(learningRate: 1e-2, weightDecay: 0.1, decoupled: false, step: 1)),
    AdamCase(
        name: "β=(0.8, 0.99), ε=1e-6",
        hyper: AdamHyper(learningRate: 3e-2, beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weightDecay: 0.01, step: 1)),
]

@Suite struct AdamTests {
    /// Five consecutive steps (t = 1…5, fresh gradients each) from m = v = 0, element counts that
    /// are not multiples of any vector width; m, v and the parameters are checked after every step.
    @Test(arguments: TestDevices.all, adamCases)
    func stepsMatchReference(_ d: TestDevice, _ c: AdamCase) throws {
        var rng = SeededRandom(seed: 91)
        for count in [1, 7, 257, 1000] {
            var param = rng.floats(count, in: -2...2)
            var m = [Double](repeating: 0, count: count)
            var v = [Double](repeating: 0, count: count)
            let (paramT, mT, vT) = (try d.tensor(param, [count]), try d.tensor(m, [count]), try d.tensor(v, [count]))
            for step in 1...5 {
                var hyper = c.hyper
                hyper.step = step
                // Gradients of mixed scale, as in training: most O(1), some tiny.
                let grad = rng.floats(count).enumerated().map { $0.offset % 5 == 0 ? $0.element * 1e-4 : $0.element }
                    .asFloats
                try Tensor.adamStep(param: paramT, grad: d.tensor(grad, [count]), m: mT, v: vT, hyper: hyper)
                // The reference continues from the device state, so each step is checked on its own.
                let expected = Reference.adamStep(hyper, param: param, grad: grad, m: m, v: v)
                let label = "\(c) count \(count) step \(step)"
                let tolerance = momentTolerances(hyper, param: param, grad: grad, m: m, v: v)
                try expectClose(mT, expected.m, rtol: 0, atol: tolerance.m, "\(label) m")
                try expectClose(vT, expected.v, rtol: 0, atol: tolerance.v, "\(label) v")
                try expectClose(paramT, expected.param, rtol: adamRtol, atol: adamParamAtol, "\(label) param")
                (param, m, v) = (try paramT.values(), try mT.values(), try vT.values())
            }
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
