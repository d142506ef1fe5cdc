import FlowRuntime
import FlowTestSupport

/// The Device contract's fixed reduction order: reduction-heavy ops run twice on fresh buffers
/// give bit-identical results (the same ops as the tests' DeterminismTests, at sizes that keep
/// a slow device's run short).
enum DeterminismChecks {
    static func run(_ r: CheckRecorder) {
        var rng = SeededRandom(seed: 101)
        twice(r, "perSampleSum", "[3, 100003]") {
            try r.tensor(rng.floats(3 * 100_003), [3, 100_003])
        } run: {
            try $0.perSampleSum()
        }
        twice(r, "sum", "[3, 100003]") {
            try r.tensor(rng.floats(3 * 100_003), [3, 100_003])
        } run: {
            try $0.sum()
        }
        twice(r, "normalLogProb", "[3, 100003]") {
            try r.tensor(rng.floats(3 * 100_003), [3, 100_003])
        } run: {
            try $0.normalLogProb()
        }
        twice(r, "channelSum squared", "[32, 33, 17, 17]") {
            try r.tensor(rng.floats(32 * 33 * 17 * 17), [32, 33, 17, 17])
        } run: {
            try $0.channelSum(squared: true)
        }
        twice(r, "featureSum", "[4099, 65]") {
            try r.tensor(rng.floats(4099 * 65), [4099, 65])
        } run: {
            try $0.featureSum()
        }
        r.run("conv2dBackward twice", "[4, 16, 24, 24] → 32, k 3×3") {
            let input = try r.tensor(rng.floats(4 * 16 * 24 * 24), [4, 16, 24, 24])
            let weight = try r.tensor(rng.floats(32 * 16 * 3 * 3), [32, 16, 3, 3])
            let gradOutput = try r.tensor(rng.floats(4 * 32 * 24 * 24), [4, 32, 24, 24])
            let first = try Tensor.conv2dBackward(input: input, weight: weight, hasBias: true, gradOutput: gradOutput)
            let second = try Tensor.conv2dBackward(input: input, weight: weight, hasBias: true, gradOutput: gradOutput)
            let shapes = "[4, 16, 24, 24] → 32, k 3×3"
            r.identical("conv2dBackward ∂weight twice", shapes, try second.weight.toArray(), try first.weight.toArray())
            r.identical("conv2dBackward ∂input twice", shapes, try second.input.toArray(), try first.input.toArray())
            if let a = first.bias, let b = second.bias {
                r.identical("conv2dBackward ∂bias twice", shapes, try b.toArray(), try a.toArray())
            }
        }
        r.run("linearBackward twice", "[4099, 33] → 17") {
            let rows = try r.tensor(rng.floats(4099 * 33), [4099, 33])
            let w = try r.tensor(rng.floats(17 * 33), [17, 33])
            let g = try r.tensor(rng.floats(4099 * 17), [4099, 17])
            let first = try Tensor.linearBackward(input: rows, weight: w, hasBias: true, gradOutput: g).weight.toArray()
            let second = try Tensor.linearBackward(input: rows, weight: w, hasBias: true, gradOutput: g).weight.toArray()
            r.identical("linearBackward ∂W twice", "[4099, 33] → 17", second, first)
        }
    }

    /// Runs `run` twice on the tensor `make` builds; the results must match bit for bit.
    private static func twice(_ r: CheckRecorder, _ op: String, _ shapes: String, make: () throws -> Tensor, run: (Tensor) throws -> Tensor) {
        r.run("\(op) twice", shapes) {
            let input = try make()
            let first = try run(input).toArray()
            let second = try run(input).toArray()
            r.identical("\(op) twice", shapes, second, first)
        }
    }
}
