import FlowRuntime

/// The (masked) linear layer's op cases, written once for GemmTests/LinearBackwardTests and
/// `flowkit check`: sizes off every tile grid, the fused bias and MADE's weight mask, against
/// `Reference.linear` with the float32 accumulation of the summed terms over the magnitudes
/// |x|·|W ⊙ M| plus `gemmRtol` (the fused ReLU is the gemm cases' business).
public struct LinearCase: Sendable, CustomStringConvertible {
    public var rows: Int
    public var inputs: Int
    public var outputs: Int
    public var x: [Double]
    public var w: [Double]
    /// The forward's bias (the backward has one too, but its gradient does not depend on it).
    public var bias: [Double]
    public var mask: [Double]?
    /// The backward's ∂L/∂y.
    public var gradY: [Double]

    public var description: String { "[\(rows), \(inputs)] → \(outputs)\(mask != nil ? " masked" : "")" }

    /// Forward sizes, each without and with a mask, drawn in turn from one generator.
    public static let forward: [LinearCase] = {
        var rng = SeededRandom(seed: 14)
        return [(1, 1, 1), (3, 7, 17), (33, 65, 7), (257, 33, 17), (4, 257, 3)].flatMap { rows, inputs, outputs in
            [false, true].map { masked in
                let (x, w, bias) = (rng.floats(rows * inputs), rng.floats(outputs * inputs), rng.floats(outputs))
                let mask = masked ? rng.mask(outputs * inputs) : nil
                return LinearCase(rows: rows, inputs: inputs, outputs: outputs, x: x, w: w, bias: bias, mask: mask, gradY: [])
            }
        }
    }()

    /// Masked backward sizes: the tests' (seed 16) and `flowkit check`'s own (seed 31) before the registry.
    public static let backward: [LinearCase] = {
        let lists: [(seed: UInt64, sizes: [(Int, Int, Int)])] = [
            (16, [(65, 33, 17), (257, 7, 3), (1, 129, 33)]),
            (31, [(1, 1, 1), (3, 7, 17), (33, 65, 7), (257, 33, 17), (4, 257, 3)]),
        ]
        return lists.flatMap { list in
            var rng = SeededRandom(seed: list.seed)
            return list.sizes.map { rows, inputs, outputs in
                let (x, w) = (rng.floats(rows * inputs), rng.floats(outputs * inputs))
                let mask = rng.mask(outputs * inputs)
                let gradY = rng.floats(rows * outputs)
                return LinearCase(rows: rows, inputs: inputs, outputs: outputs, x: x, w: w, bias: [], mask: mask, gradY: gradY)
            }
        }
    }()

    /// `Tensor.linear` with the bias (and the mask, if any) against the reference.
    public func runForward(on d: TestDevice) throws -> OpComparison {
        let input = try d.tensor(x, [rows, inputs])
        let (weight, biasTensor) = (try d.tensor(w, [outputs, inputs]), try d.tensor(bias, [outputs]))
        let maskTensor = try mask.map { try d.tensor($0, [outputs, inputs]) }
        try d.poisonCache(rows * outputs)
        let y = try input.linear(weight: weight, bias: biasTensor, mask: maskTensor)
        let expected = Reference.linear(x: x, rows: rows, inputs: inputs, weight: w, outputs: outputs, bias: bias, mask: mask)
        let magnitude = Reference.linear(
            x: x.map(Swift.abs), rows: rows, inputs: inputs, weight: w.map(Swift.abs), outputs: outputs, bias: bias.map(Swift.abs),
            mask: mask)
        return try OpComparison(
            op: "linear", y, expected, rtol: OpTolerance.gemmRtol, atol: Tolerance.accumulated(terms: inputs + 1, magnitude: magnitude))
    }

    /// `Tensor.linearBackward` (with a bias) against the reference: ∂x, ∂W and ∂b.
    public func runBackward(on d: TestDevice) throws -> [OpComparison] {
        let grads = try Tensor.linearBackward(
            input: d.tensor(x, [rows, inputs]), weight: d.tensor(w, [outputs, inputs]),
            mask: try mask.map { try d.tensor($0, [outputs, inputs]) }, hasBias: true, gradOutput: d.tensor(gradY, [rows, outputs]))
        guard let gradBias = grads.bias else { throw OpCaseError.missing(op: "linearBackward", output: "∂b with hasBias") }
        let expected = Reference.linearBackward(
            x: x, rows: rows, inputs: inputs, weight: w, outputs: outputs, mask: mask, gradY: gradY)
        let magnitude = Reference.linearBackward(
            x: x.map(Swift.abs), rows: rows, inputs: inputs, weight: w.map(Swift.abs), outputs: outputs, mask: mask,
            gradY: gradY.map(Swift.abs))
        let rtol = OpTolerance.gemmRtol
        return [
            try OpComparison(
                op: "linearBackward ∂x", grads.input, expected.input, rtol: rtol,
                atol: Tolerance.accumulated(terms: outputs, magnitude: magnitude.input)),
            try OpComparison(
                op: "linearBackward ∂W", grads.weight, expected.weight, rtol: rtol,
                atol: Tolerance.accumulated(terms: rows, magnitude: magnitude.weight)),
            try OpComparison(
                op: "linearBackward ∂b", gradBias, expected.bias, rtol: rtol, atol: Tolerance.accumulated(terms: rows, magnitude: magnitude.bias)),
        ]
    }
}
