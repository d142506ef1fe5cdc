import FlowRuntime
import FlowTestSupport

/// Fused Adam/AdamW steps: the cases of `AdamCase` (FlowTestSupport), which AdamTests runs too;
/// and the grouped step against one tensor at a time.
enum AdamChecks {
    static func run(_ r: CheckRecorder) {
        for c in AdamCase.all {
            var rng = AdamCase.random
            for count in AdamCase.counts {
                r.run("adam", "[\(count)] \(c.name)") { r.record(try c.steps(on: r.testDevice, count: count, rng: &rng)) }
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
