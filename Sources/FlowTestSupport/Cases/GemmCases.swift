import FlowRuntime

/// The matrix-product op cases, written once for GemmTests and `flowkit check`: shapes off the
/// tile grids, strided and blocked products, product groups and row chains, each against
/// `Reference.gemm` with `OpTolerance.gemmAtol` + `gemmRtol` (whose reasons GemmTests gives).
public enum GemmCases {
    /// (m, n, k) with the awkward sizes 1, 3, 7, 17, 33, 257 and others off the 16/32/64 tile grid,
    /// several spanning more than one 64×64×16 tile in every dimension.
    public static let shapes: [[Int]] = [
        [1, 1, 1], [1, 7, 3], [3, 1, 17], [7, 17, 33], [17, 33, 7], [33, 65, 31], [64, 63, 65], [257, 3, 17],
        [5, 257, 33], [31, 17, 257], [100, 45, 129], [130, 129, 65],
        // One dimension of at most 4 and the others long (the thin layers of an MLP from or to a few features).
        [130, 129, 2], [129, 200, 1], [129, 4, 130], [200, 1, 129], [3, 130, 257], [4, 33, 5],
        // k far longer than m and n: a weight gradient, which the CPU cuts along k.
        [37, 29, 1001],
        // k = 0: an empty sum, so the product is all zeros.
        [3, 5, 0],
    ]

    /// The transpose pairs of each shape, in the order their operands are drawn.
    public static let transposePairs: [(a: Bool, b: Bool)] = [(false, false), (false, true), (true, false), (true, true)]

    /// The generator whose draws give `shape`'s operands, pair after pair.
    public static func random(for shape: [Int]) -> SeededRandom {
        SeededRandom(seed: UInt64(shape[0] * 1_000_000 + shape[1] * 1000 + shape[2]))
    }

    /// `m×n×k` and what else the spec sets (transposes, batch strides, α and β).
    public static func label(_ spec: GemmSpec) -> String {
        var text = "\(spec.m)×\(spec.n)×\(spec.k)"
        if spec.transposeA || spec.transposeB { text += " t\(spec.transposeA ? "A" : "")\(spec.transposeB ? "B" : "")" }
        if spec.batch > 1 { text += " batch \(spec.batch) strides \(spec.strideA)/\(spec.strideB)/\(spec.strideC)" }
        if spec.alpha != 1 || spec.beta != 0 { text += " α \(spec.alpha) β \(spec.beta)" }
        return text
    }

    /// `shape = [m, n, k]` through `Tensor.matmul` with one transpose pair, operands drawn from `rng`.
    public static func matmul(on d: TestDevice, shape: [Int], transposeA: Bool, transposeB: Bool, rng: inout SeededRandom) throws
        -> OpComparison
    {
        let (m, n, k) = (shape[0], shape[1], shape[2])
        let (a, b) = (rng.floats(m * k), rng.floats(k * n))
        let left = try d.tensor(a, transposeA ? [k, m] : [m, k])
        let right = try d.tensor(b, transposeB ? [n, k] : [k, n])
        try d.poisonCache(m * n)
        let product = try left.matmul(right, transposeSelf: transposeA, transposeOther: transposeB)
        try OpCaseError.requireShape("gemm", product.shape, [m, n])
        let spec = GemmSpec(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB)
        let zeros = [Double](repeating: 0, count: m * n)
        return try OpComparison(
            op: "gemm", product, Reference.gemm(spec, a: a, b: b, c: zeros, bias: nil), rtol: OpTolerance.gemmRtol,
            atol: OpTolerance.gemmAtol(spec, a: a, b: b, c: zeros, bias: nil))
    }

    /// Batched products through `Device.gemm` (`GemmProduct.runOnDevice`): a shared operand
    /// (stride 0), padded strides, alpha and beta, thin sizes; each spec without and with a bias.
    public static let strided: [GemmProduct] = {
        let specs = [
            GemmSpec(m: 7, n: 17, k: 33, transposeB: true, alpha: 0.5, beta: -1.5, batch: 3, strideA: 0),
            GemmSpec(m: 33, n: 5, k: 17, transposeA: true, alpha: 2, beta: 0.25, batch: 2, strideA: 0),
            GemmSpec(m: 1, n: 257, k: 3, alpha: 1, beta: 1, batch: 4, strideA: 0),
            GemmSpec(m: 3, n: 7, k: 65, transposeA: true, transposeB: true, alpha: -1, beta: 0, batch: 2, strideB: 0),
            GemmSpec(m: 5, n: 9, k: 7, alpha: 1.25, beta: 0.5, batch: 3, strideA: 40, strideB: 70, strideC: 50),
            // Thin ones: n ≤ 4 with A transposed, m ≤ 4, k ≤ 4 with B transposed.
            GemmSpec(m: 40, n: 3, k: 21, transposeA: true, alpha: 0.75, beta: -0.5, batch: 2),
            GemmSpec(m: 3, n: 40, k: 21, alpha: -2, beta: 0.5, batch: 2, strideB: 0),
            GemmSpec(m: 21, n: 40, k: 2, transposeA: true, transposeB: true, alpha: 1.5, beta: 2, batch: 2),
            // A row of 130 against a shared operand (flowkit check's own case before the registry).
            GemmSpec(m: 1, n: 130, k: 3, alpha: 1, beta: 1, batch: 4, strideA: 0),
        ]
        var rng = SeededRandom(seed: 12)
        return specs.flatMap { spec -> [GemmProduct] in
            let countA = (spec.batch - 1) * spec.strideA + spec.m * spec.k
            let countB = (spec.batch - 1) * spec.strideB + spec.k * spec.n
            let countC = (spec.batch - 1) * spec.strideC + spec.m * spec.n
            let (a, b, c, bias) = (rng.floats(countA), rng.floats(countB), rng.floats(countC), rng.floats(spec.n))
            return [GemmProduct(spec: spec, a: a, b: b, c: c, bias: nil), GemmProduct(spec: spec, a: a, b: b, c: c, bias: bias)]
        }
    }()

    /// Blocks inside larger matrices (leading dimensions, offsets, a bias offset) and the fused
    /// ReLU, through `Tensor.gemm` (`GemmProduct.run`), for every transpose pair, on random sizes
    /// in 1...70 that span several tiles in every dimension; case 5 has k = 0 (C keeps β·C) and
    /// from case 24 on one dimension is at most 4 in turn (thin layers).
    public static let blocks: [GemmProduct] = {
        var rng = SeededRandom(seed: 14)
        return (0..<36).map { index in
            var (m, n, k) = (rng.int(in: 1...70), rng.int(in: 1...70), index == 5 ? 0 : rng.int(in: 1...70))
            if index >= 24 {
                let thin = rng.int(in: 1...4)
                switch index % 3 {
                case 0: k = thin
                case 1: n = thin
                default: m = thin
                }
            }
            let (transposeA, transposeB) = (index % 2 == 1, (index / 2) % 2 == 1)
            var spec = GemmSpec(
                m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, alpha: index % 3 == 0 ? 1 : 0.75,
                beta: index % 4 == 0 ? 0 : 1, lda: (transposeA ? m : k) + rng.int(in: 0...9),
                ldb: (transposeB ? k : n) + rng.int(in: 0...9), ldc: n + rng.int(in: 0...9),
                activation: index % 3 == 2 ? .none : .relu)
            (spec.offsetA, spec.offsetB, spec.offsetC, spec.offsetBias) = (rng.int(in: 0...40), rng.int(in: 0...40), rng.int(in: 0...40), rng.int(in: 0...5))
            let (a, b, c) = (rng.floats(spec.requiredA + 3), rng.floats(spec.requiredB + 3), rng.floats(spec.requiredC + 3))
            let bias = index % 2 == 0 ? rng.floats(spec.offsetBias + n) : nil
            return GemmProduct(spec: spec, a: a, b: b, c: c, bias: bias)
        }
    }()

    /// Uneven column tiles of `C = X · Wᵀ` over random C (ReLU on all but one, bias offsets), and
    /// two tiles over a zero C.
    public static let groups: [GemmGroupCase] = {
        var rng = SeededRandom(seed: 15)
        let (rows, inputs, outputs) = (37, 45, 70)
        let (x, w, bias) = (rng.floats(rows * inputs), rng.floats(outputs * inputs), rng.floats(outputs))
        let c = rng.floats(rows * outputs)
        // Each tile reads a different prefix of the inputs (0 included).
        let tiles: [(columns: Range<Int>, reading: Int)] = [(0..<9, 0), (9..<30, 13), (30..<31, 44), (31..<70, 45)]
        let specs = tiles.map { tile in
            var spec = GemmSpec(
                m: rows, n: tile.columns.count, k: tile.reading, transposeB: true, lda: inputs, ldb: inputs, ldc: outputs,
                activation: tile.reading == 13 ? .none : .relu)
            spec.offsetB = tile.columns.lowerBound * inputs
            spec.offsetC = tile.columns.lowerBound
            spec.offsetBias = tile.columns.lowerBound
            return spec
        }
        var small = SeededRandom(seed: 15)
        let (smallRows, smallInputs, smallOutputs) = (33, 20, 17)
        var first = GemmSpec(m: smallRows, n: 7, k: 9, transposeB: true, lda: smallInputs, ldb: smallInputs, ldc: smallOutputs)
        first.offsetBias = 0
        var second = GemmSpec(
            m: smallRows, n: smallOutputs - 7, k: smallInputs, transposeB: true, lda: smallInputs, ldb: smallInputs, ldc: smallOutputs)
        (second.offsetB, second.offsetC, second.offsetBias) = (7 * smallInputs, 7, 7)
        let (smallX, smallW, smallBias) = (
            small.floats(smallRows * smallInputs), small.floats(smallOutputs * smallInputs), small.floats(smallOutputs)
        )
        return [
            GemmGroupCase(rows: rows, inputs: inputs, outputs: outputs, specs: specs, x: x, w: w, bias: bias, c: c),
            GemmGroupCase(
                rows: smallRows, inputs: smallInputs, outputs: smallOutputs, specs: [first, second], x: smallX, w: smallW,
                bias: smallBias, c: [Double](repeating: 0, count: smallRows * smallOutputs)),
        ]
    }()

    /// A three-layer MLP on a row count that splits unevenly, with and without a tiled middle layer.
    public static let rowChains = [
        GemmRowChainCase(rows: 83, sizes: [5, 70, 40, 3], tiledMiddle: true, seed: 16),
        GemmRowChainCase(rows: 83, sizes: [5, 70, 40, 3], tiledMiddle: false, seed: 16),
    ]

    /// The reference of products applied in turn to `c`, and each entry's tolerance: that of the
    /// product that writes it (the others leave it as it is).
    public static func reference(_ specs: [GemmSpec], a: [Double], b: [Double], c: [Double], bias: [Double]?)
        -> (expected: [Double], atol: [Double])
    {
        var (expected, atol) = (c, [Double](repeating: 0, count: c.count))
        for spec in specs {
            atol = zip(atol, OpTolerance.gemmAtol(spec, a: a, b: b, c: expected, bias: bias)).map { Swift.max($0, $1) }
            expected = Reference.gemm(spec, a: a, b: b, c: expected, bias: bias)
        }
        return (expected, atol)
    }

    /// Every stage of a row chain against the reference fed with the stage's actual input (so each
    /// stage's own rounding is what the tolerance bounds), its gate applied as ReLU's backward.
    public static func compare(_ stages: [Tensor.ChainStage], op: String) throws -> [OpComparison] {
        try stages.enumerated().map { index, stage in
            let (a, b) = (try stage.a.values(), try stage.b.values())
            let zeros = [Double](repeating: 0, count: stage.c.count)
            var (expected, atol) = reference(stage.specs, a: a, b: b, c: zeros, bias: try stage.bias?.values())
            if let gate = try stage.gate?.toArray() { expected = zip(expected, gate).map { $1 > 0 ? $0 : 0 } }
            return try OpComparison(op: "\(op) stage \(index)", stage.c, expected, rtol: OpTolerance.gemmRtol, atol: atol)
        }
    }
}
