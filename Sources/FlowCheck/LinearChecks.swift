import FlowRuntime
import FlowTestSupport

/// The (masked) linear layer and its backward against the Double reference, with the tests'
/// tolerances (`GemmTests.linearForward`, `LinearBackwardTests`): the float32 accumulation of the
/// summed terms over the magnitudes |x|·|W ⊙ M|, plus `gemmRtol`. The rows cover the fused
/// bias and the weight mask (MADE) on sizes off every tile grid (the fused ReLU is the gemm
/// checks' business).
enum LinearChecks {
    static let shapes: [(rows: Int, inputs: Int, outputs: Int)] = [(1, 1, 1), (3, 7, 17), (33, 65, 7), (257, 33, 17), (4, 257, 3)]

    static func run(_ r: CheckRecorder) {
        var rng = SeededRandom(seed: 31)
        for (rows, inputs, outputs) in shapes {
            for masked in [false, true] { forward(r, &rng, rows, inputs, outputs, masked: masked) }
            backward(r, &rng, rows, inputs, outputs)
        }
    }

    private static func forward(_ r: CheckRecorder, _ rng: inout SeededRandom, _ rows: Int, _ inputs: Int, _ outputs: Int, masked: Bool) {
        let shapes = "[\(rows), \(inputs)] → \(outputs)\(masked ? " masked" : "")"
        let (x, w, bias) = (rng.floats(rows * inputs), rng.floats(outputs * inputs), rng.floats(outputs))
        let mask = masked ? rng.mask(outputs * inputs) : nil
        r.run("linear", shapes) {
            try r.poison(rows * outputs)
            let y = try r.tensor(x, [rows, inputs]).linear(
                weight: r.tensor(w, [outputs, inputs]), bias: r.tensor(bias, [outputs]),
                mask: try mask.map { try r.tensor($0, [outputs, inputs]) })
            let expected = Reference.linear(x: x, rows: rows, inputs: inputs, weight: w, outputs: outputs, bias: bias, mask: mask)
            let magnitude = Reference.linear(
                x: x.map(abs), rows: rows, inputs: inputs, weight: w.map(abs), outputs: outputs, bias: bias.map(abs), mask: mask)
            try r.close(
                "linear", shapes, y, expected, rtol: OpTolerance.gemmRtol,
                atol: Tolerance.accumulated(terms: inputs + 1, magnitude: magnitude))
        }
    }

    private static func backward(_ r: CheckRecorder, _ rng: inout SeededRandom, _ rows: Int, _ inputs: Int, _ outputs: Int) {
        let shapes = "[\(rows), \(inputs)] → \(outputs) masked"
        let (x, w) = (rng.floats(rows * inputs), rng.floats(outputs * inputs))
        let mask = rng.mask(outputs * inputs)
        let gradY = rng.floats(rows * outputs)
        r.run("linearBackward", shapes) {
            let grads = try Tensor.linearBackward(
                input: r.tensor(x, [rows, inputs]), weight: r.tensor(w, [outputs, inputs]), mask: r.tensor(mask, [outputs, inputs]),
                hasBias: true, gradOutput: r.tensor(gradY, [rows, outputs]))
            let expected = Reference.linearBackward(x: x, rows: rows, inputs: inputs, weight: w, outputs: outputs, mask: mask, gradY: gradY)
            let magnitude = Reference.linearBackward(
                x: x.map(abs), rows: rows, inputs: inputs, weight: w.map(abs), outputs: outputs, mask: mask, gradY: gradY.map(abs))
            try r.close(
                "linearBackward ∂x", shapes, grads.input, expected.input, rtol: OpTolerance.gemmRtol,
                atol: Tolerance.accumulated(terms: outputs, magnitude: magnitude.input))
            try r.close(
                "linearBackward ∂W", shapes, grads.weight, expected.weight, rtol: OpTolerance.gemmRtol,
                atol: Tolerance.accumulated(terms: rows, magnitude: magnitude.weight))
            guard let gradBias = grads.bias else { throw CheckFailure("linearBackward returned no ∂b with hasBias") }
            try r.close(
                "linearBackward ∂b", shapes, gradBias, expected.bias, rtol: OpTolerance.gemmRtol,
                atol: Tolerance.accumulated(terms: rows, magnitude: magnitude.bias))
        }
    }
}
