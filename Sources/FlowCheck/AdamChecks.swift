import FlowRuntime
import FlowTestSupport

/// Five consecutive fused Adam/AdamW steps per variant against the Double reference, with the
/// tests' moment bounds (`OpTolerance.adamMoments`) and `adamRtol` / `adamParamAtol`.
enum AdamChecks {
    static let cases: [(name: String, hyper: AdamHyper)] = [
        ("Adam defaults", AdamHyper(step: 1)),
        ("AdamW λ=0.1", AdamHyper(learningRate: 1e-2, weightDecay: 0.1, decoupled: true, step: 1)),
        ("L2 λ=0.1", AdamHyper(learningRate: 1e-2, weightDecay: 0.1, decoupled: false, step: 1)),
    ]

    static func run(_ r: CheckRecorder) {
        var rng = SeededRandom(seed: 91)
        for c in cases {
            for count in [1, 7, 1000] {
                r.run("adam", "[\(count)] \(c.name)") {
                    var param = rng.floats(count, in: -2...2)
                    var m = [Double](repeating: 0, count: count)
                    var v = m
                    let (paramT, mT, vT) = (try r.tensor(param, [count]), try r.tensor(m, [count]), try r.tensor(v, [count]))
                    for step in 1...5 {
                        var hyper = c.hyper
                        hyper.step = step
                        // Gradients of mixed scale, as in training: most O(1), some tiny.
                        let grad = rng.floats(count).enumerated().map { $0.offset % 5 == 0 ? $0.element * 1e-4 : $0.element }.map { Double(Float($0)) }
                        try Tensor.adamStep(param: paramT, grad: r.tensor(grad, [count]), m: mT, v: vT, hyper: hyper)
                        // The reference continues from the device state, so each step is checked on its own.
                        let expected = Reference.adamStep(hyper, param: param, grad: grad, m: m, v: v)
                        let tolerance = OpTolerance.adamMoments(hyper, param: param, grad: grad, m: m, v: v)
                        let label = "[\(count)] \(c.name) step \(step)"
                        try r.close("adam m", label, mT, expected.m, rtol: 0, atol: tolerance.m)
                        try r.close("adam v", label, vT, expected.v, rtol: 0, atol: tolerance.v)
                        try r.close("adam param", label, paramT, expected.param, rtol: OpTolerance.adamRtol, atol: OpTolerance.adamParamAtol)
                        (param, m, v) = (try paramT.toArray().map(Double.init), try mT.toArray().map(Double.init), try vT.toArray().map(Double.init))
                    }
                }
            }
        }
        r.run("adam group", "11 tensors, 3 steps") { try group(r) }
    }

    /// All of a model's parameters as one op (`Tensor.adamSteps`, eight tensors per launch on a
    /// kernel device) must give exactly what updating them one by one gives.
    private static func group(_ r: CheckRecorder) throws {
        let counts = [1, 7, 15, 0, 4097, 8193, 129, 130, 17, 12289, 31]
        var rng = SeededRandom(seed: 92)
        let values = counts.map { count in (0..<4).map { index in rng.floats(count).map { index == 3 ? abs($0) : $0 } } }
        func tensors() throws -> [Tensor.AdamTensors] {
            try zip(counts, values).map { count, v in
                Tensor.AdamTensors(
                    param: try r.tensor(v[0], [count]), grad: try r.tensor(v[1], [count]), m: try r.tensor(v[2], [count]),
                    v: try r.tensor(v[3], [count]))
            }
        }
        let (grouped, single) = (try tensors(), try tensors())
        for step in 1...3 {
            let hyper = AdamHyper(learningRate: 1e-2, weightDecay: 0.05, step: step)
            try Tensor.adamSteps(grouped, hyper: hyper)
            for entry in single { try Tensor.adamStep(param: entry.param, grad: entry.grad, m: entry.m, v: entry.v, hyper: hyper) }
        }
        let flat = { (entries: [Tensor.AdamTensors]) in try entries.flatMap { try $0.param.toArray() + $0.m.toArray() + $0.v.toArray() } }
        r.identical("adam group vs one by one", "11 tensors, 3 steps", try flat(grouped), try flat(single))
    }
}
