import FlowRuntime
import FlowTestSupport

/// Matrix products against the Double reference with the tests' tolerance
/// (`OpTolerance.gemmAtol`: the float32 accumulation of k terms, plus `gemmRtol`).
enum GemmChecks {
    /// (m, n, k) with awkward sizes off the tile grid: 1, 7, 33, 130, a long k, an empty k.
    static let shapes: [[Int]] = [[1, 1, 1], [1, 7, 3], [7, 17, 33], [33, 65, 31], [130, 129, 65], [37, 29, 1001], [3, 5, 0]]

    static func run(_ r: CheckRecorder) {
        for shape in shapes { transposes(r, shape) }
        stridesAlphaBetaBias(r)
        blocks(r)
        group(r)
        rowChain(r)
    }

    private static func label(_ spec: GemmSpec) -> String {
        var text = "\(spec.m)×\(spec.n)×\(spec.k)"
        if spec.transposeA || spec.transposeB { text += " t\(spec.transposeA ? "A" : "")\(spec.transposeB ? "B" : "")" }
        if spec.batch > 1 { text += " batch \(spec.batch) strides \(spec.strideA)/\(spec.strideB)/\(spec.strideC)" }
        if spec.alpha != 1 || spec.beta != 0 { text += " α \(spec.alpha) β \(spec.beta)" }
        return text
    }

    /// One product through `Tensor.gemm` on flat operands, compared with the reference.
    private static func product(_ r: CheckRecorder, _ op: String, _ spec: GemmSpec, a: [Double], b: [Double], c: [Double], bias: [Double]?, shapes: String) throws {
        let cTensor = try r.tensor(c, [c.count])
        let (aTensor, bTensor) = (try r.tensor(a, [a.count]), try r.tensor(b, [b.count]))
        let biasTensor = try bias.map { try r.tensor($0, [$0.count]) }
        try Tensor.gemm(spec, aTensor, bTensor, into: cTensor, bias: biasTensor)
        try r.close(
            op, shapes, cTensor, Reference.gemm(spec, a: a, b: b, c: c, bias: bias), rtol: OpTolerance.gemmRtol,
            atol: OpTolerance.gemmAtol(spec, a: a, b: b, c: c, bias: bias))
    }

    private static func transposes(_ r: CheckRecorder, _ shape: [Int]) {
        let (m, n, k) = (shape[0], shape[1], shape[2])
        var rng = SeededRandom(seed: UInt64(m * 1_000_000 + n * 1000 + k))
        for transposeA in [false, true] {
            for transposeB in [false, true] {
                let spec = GemmSpec(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB)
                r.run("gemm", label(spec)) {
                    let (a, b) = (rng.floats(m * k), rng.floats(k * n))
                    try r.poison(m * n)
                    try product(r, "gemm", spec, a: a, b: b, c: [Double](repeating: 0, count: m * n), bias: nil, shapes: label(spec))
                }
            }
        }
    }

    /// Batched products with a shared operand (stride 0), padded strides, alpha and beta, a bias.
    private static func stridesAlphaBetaBias(_ r: CheckRecorder) {
        var rng = SeededRandom(seed: 12)
        let specs = [
            GemmSpec(m: 7, n: 17, k: 33, transposeB: true, alpha: 0.5, beta: -1.5, batch: 3, strideA: 0),
            GemmSpec(m: 33, n: 5, k: 17, transposeA: true, alpha: 2, beta: 0.25, batch: 2, strideA: 0),
            GemmSpec(m: 1, n: 130, k: 3, alpha: 1, beta: 1, batch: 4, strideA: 0),
            GemmSpec(m: 5, n: 9, k: 7, alpha: 1.25, beta: 0.5, batch: 3, strideA: 40, strideB: 70, strideC: 50),
        ]
        for spec in specs {
            let countA = (spec.batch - 1) * spec.strideA + spec.m * spec.k
            let countB = (spec.batch - 1) * spec.strideB + spec.k * spec.n
            let countC = (spec.batch - 1) * spec.strideC + spec.m * spec.n
            r.run("gemm batched", label(spec)) {
                let (a, b, c, bias) = (rng.floats(countA), rng.floats(countB), rng.floats(countC), rng.floats(spec.n))
                try product(r, "gemm batched", spec, a: a, b: b, c: c, bias: bias, shapes: label(spec) + " bias")
            }
        }
    }

    /// Blocks inside larger matrices (leading dimensions, offsets, a bias offset) and the fused ReLU.
    private static func blocks(_ r: CheckRecorder) {
        var rng = SeededRandom(seed: 14)
        for index in 0..<8 {
            let (m, n, k) = (rng.int(in: 1...70), rng.int(in: 1...70), rng.int(in: 1...70))
            let (transposeA, transposeB) = (index % 2 == 1, (index / 2) % 2 == 1)
            var spec = GemmSpec(
                m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, alpha: index % 3 == 0 ? 1 : 0.75,
                beta: index % 4 == 0 ? 0 : 1, lda: (transposeA ? m : k) + rng.int(in: 0...9),
                ldb: (transposeB ? k : n) + rng.int(in: 0...9), ldc: n + rng.int(in: 0...9),
                activation: index % 3 == 2 ? .none : .relu)
            (spec.offsetA, spec.offsetB, spec.offsetC, spec.offsetBias) = (rng.int(in: 0...40), rng.int(in: 0...40), rng.int(in: 0...40), rng.int(in: 0...5))
            let shapes = label(spec) + " ld \(spec.lda)/\(spec.ldb)/\(spec.ldc)" + (spec.activation == .relu ? " relu" : "")
            r.run("gemm block", shapes) {
                let (a, b, c) = (rng.floats(spec.requiredA + 3), rng.floats(spec.requiredB + 3), rng.floats(spec.requiredC + 3))
                let bias = index % 2 == 0 ? rng.floats(spec.offsetBias + n) : nil
                try product(r, "gemm block", spec, a: a, b: b, c: c, bias: bias, shapes: shapes)
            }
        }
    }

    /// The reference of products applied in turn to `c`, and each entry's tolerance (that of the product writing it).
    private static func reference(_ specs: [GemmSpec], a: [Double], b: [Double], c: [Double], bias: [Double]?) -> (expected: [Double], atol: [Double]) {
        var (expected, atol) = (c, [Double](repeating: 0, count: c.count))
        for spec in specs {
            atol = zip(atol, OpTolerance.gemmAtol(spec, a: a, b: b, c: expected, bias: bias)).map { Swift.max($0, $1) }
            expected = Reference.gemm(spec, a: a, b: b, c: expected, bias: bias)
        }
        return (expected, atol)
    }

    /// Two tiles of a block-triangular product writing disjoint blocks of one C (`gemmGroup`).
    private static func group(_ r: CheckRecorder) {
        var rng = SeededRandom(seed: 15)
        let (rows, inputs, outputs) = (33, 20, 17)
        var first = GemmSpec(m: rows, n: 7, k: 9, transposeB: true, lda: inputs, ldb: inputs, ldc: outputs)
        first.offsetBias = 0
        var second = GemmSpec(m: rows, n: outputs - 7, k: inputs, transposeB: true, lda: inputs, ldb: inputs, ldc: outputs)
        (second.offsetB, second.offsetC, second.offsetBias) = (7 * inputs, 7, 7)
        r.run("gemmGroup", "\(rows)×\(outputs)×\(inputs) in 2 tiles") {
            let (x, w, bias) = (rng.floats(rows * inputs), rng.floats(outputs * inputs), rng.floats(outputs))
            let zeros = [Double](repeating: 0, count: rows * outputs)
            let c = try r.tensor(zeros, [rows, outputs])
            try Tensor.gemmGroup([first, second], r.tensor(x, [rows, inputs]), r.tensor(w, [outputs, inputs]), into: c, bias: r.tensor(bias, [outputs]))
            let (expected, atol) = reference([first, second], a: x, b: w, c: zeros, bias: bias)
            try r.close("gemmGroup", "\(rows)×\(outputs)×\(inputs) in 2 tiles", c, expected, rtol: OpTolerance.gemmRtol, atol: atol)
        }
    }

    /// A three-layer MLP as one row chain (ReLU inside), each stage against the reference fed with its actual input.
    private static func rowChain(_ r: CheckRecorder) {
        var rng = SeededRandom(seed: 16)
        let (rows, sizes) = (83, [5, 70, 40, 3])
        r.run("gemmRowChain", "83 rows, 5→70→40→3") {
            var stages: [Tensor.ChainStage] = []
            var input = try r.tensor(rng.floats(rows * sizes[0]), [rows, sizes[0]])
            for layer in 0..<3 {
                let (inputs, outputs) = (sizes[layer], sizes[layer + 1])
                let activation: GemmActivation = layer < 2 ? .relu : .none
                let spec = GemmSpec(m: rows, n: outputs, k: inputs, transposeB: true, lda: inputs, ldb: inputs, ldc: outputs, activation: activation)
                let output = try Tensor.empty([rows, outputs], on: r.device)
                let weight = try r.tensor(rng.floats(outputs * inputs), [outputs, inputs])
                stages.append(Tensor.ChainStage(specs: [spec], a: input, b: weight, c: output, bias: try r.tensor(rng.floats(outputs), [outputs])))
                input = output
            }
            try Tensor.gemmRowChain(stages)
            for (index, stage) in stages.enumerated() {
                let (a, b) = (try stage.a.toArray().map(Double.init), try stage.b.toArray().map(Double.init))
                let zeros = [Double](repeating: 0, count: stage.c.count)
                let (expected, atol) = reference(stage.specs, a: a, b: b, c: zeros, bias: try stage.bias?.toArray().map(Double.init))
                try r.close("gemmRowChain", "stage \(index) \(stage.c.shape)", stage.c, expected, rtol: OpTolerance.gemmRtol, atol: atol)
            }
        }
    }
}
