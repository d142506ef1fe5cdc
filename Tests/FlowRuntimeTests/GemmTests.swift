import FlowRuntime
import FlowTestSupport
import Testing

/// Float32 products accumulate `k` terms: each output is allowed `Tolerance.accumulated` (8·ε·√k
/// times the sum of the terms' magnitudes) plus rtol 1e-6 (≈ 16 ulps) for the final rounding and
/// the alpha/beta/bias arithmetic. An indexing or transpose bug is off by O(|term|) ≈ Σ|terms|/k.
private let gemmRtol = OpTolerance.gemmRtol

/// (m, n, k) with the awkward sizes 1, 3, 7, 17, 33, 257 and others off the 16/32/64 tile grid,
/// several spanning more than one 64×64×16 tile in every dimension.
private let gemmShapes: [[Int]] = [
    [1, 1, 1], [1, 7, 3], [3, 1, 17], [7, 17, 33], [17, 33, 7], [33, 65, 31], [64, 63, 65], [257, 3, 17],
    [5, 257, 33], [31, 17, 257], [100, 45, 129], [130, 129, 65],
    // One dimension of at most 4 and the others long (the thin layers of an MLP from or to a few features).
    [130, 129, 2], [129, 200, 1], [129, 4, 130], [200, 1, 129], [3, 130, 257], [4, 33, 5],
    // k far longer than m and n: a weight gradient, which the CPU cuts along k.
    [37, 29, 1001],
    // k = 0: an empty sum, so the product is all zeros.
    [3, 5, 0],
]

private func gemmAtol(_ spec: GemmSpec, a: [Double], b: [Double], c: [Double], bias: [Double]?) -> [Double] {
    OpTolerance.gemmAtol(spec, a: a, b: b, c: c, bias: bias)
}

/// A group of products applied in turn to `c` through the reference, and each entry's tolerance:
/// that of the product that writes it (the others leave it as it is).
private func referenceGroup(_ specs: [GemmSpec], a: [Double], b: [Double], c: [Double], bias: [Double]?) -> (expected: [Double], atol: [Double]) {
    var (expected, atol) = (c, [Double](repeating: 0, count: c.count))
    for spec in specs {
        atol = zip(atol, gemmAtol(spec, a: a, b: b, c: expected, bias: bias)).map { max($0, $1) }
        expected = Reference.gemm(spec, a: a, b: b, c: expected, bias: bias)
    }
    return (expected, atol)
}

/// Every stage of a row chain against the reference fed with the stage's actual input (so each
/// stage's own rounding is what the tolerance bounds), its gate applied as ReLU's backward.
private func expectChainMatchesReference(_ stages: [Tensor.ChainStage], _ what: String) throws {
    for (index, stage) in stages.enumerated() {
        let (a, b) = (try stage.a.toArray().map(Double.init), try stage.b.toArray().map(Double.init))
        let zeros = [Double](repeating: 0, count: stage.c.count)
        var (expected, atol) = referenceGroup(stage.specs, a: a, b: b, c: zeros, bias: try stage.bias?.toArray().map(Double.init))
        if let gate = try stage.gate?.toArray() { expected = zip(expected, gate).map { $1 > 0 ? $0 : 0 } }
        try expectClose(stage.c, expected, rtol: gemmRtol, atol: atol, "\(what) stage \(index)")
    }
}

@Suite struct GemmTests {
    @Test(arguments: TestDevices.all, gemmShapes)
    func matmulAllTransposes(_ d: TestDevice, shape: [Int]) throws {
        let (m, n, k) = (shape[0], shape[1], shape[2])
        var rng = SeededRandom(seed: UInt64(m * 1_000_000 + n * 1000 + k))
        for transposeA in [false, true] {
            for transposeB in [false, true] {
                let a = rng.floats(m * k)
                let b = rng.floats(k * n)
                let left = try d.tensor(a, transposeA ? [k, m] : [m, k])
                let right = try d.tensor(b, transposeB ? [n, k] : [k, n])
                try d.poisonCache(m * n)
                let product = try left.matmul(right, transposeSelf: transposeA, transposeOther: transposeB)
                #expect(product.shape == [m, n])
                let spec = GemmSpec(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB)
                let zeros = [Double](repeating: 0, count: m * n)
                try expectClose(
                    product, Reference.gemm(spec, a: a, b: b, c: zeros, bias: nil), rtol: gemmRtol,
                    atol: gemmAtol(spec, a: a, b: b, c: zeros, bias: nil),
                    "matmul \(m)×\(n)×\(k) transposeA \(transposeA) transposeB \(transposeB)")
            }
        }
    }

    /// Random shapes beyond the fixed list: sizes 1...80 in any combination, random transposes.
    @Test(arguments: TestDevices.all)
    func matmulRandomShapes(_ d: TestDevice) throws {
        var rng = SeededRandom(seed: 10)
        for _ in 0..<12 {
            let (m, n, k) = (rng.int(in: 1...80), rng.int(in: 1...80), rng.int(in: 1...80))
            let (transposeA, transposeB) = (rng.nextDouble() < 0.5, rng.nextDouble() < 0.5)
            let (a, b) = (rng.floats(m * k), rng.floats(k * n))
            let product = try d.tensor(a, transposeA ? [k, m] : [m, k])
                .matmul(d.tensor(b, transposeB ? [n, k] : [k, n]), transposeSelf: transposeA, transposeOther: transposeB)
            let spec = GemmSpec(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB)
            let zeros = [Double](repeating: 0, count: m * n)
            try expectClose(
                product, Reference.gemm(spec, a: a, b: b, c: zeros, bias: nil), rtol: gemmRtol,
                atol: gemmAtol(spec, a: a, b: b, c: zeros, bias: nil),
                "matmul \(m)×\(n)×\(k) transposeA \(transposeA) transposeB \(transposeB)")
        }
    }

    @Test(arguments: TestDevices.all)
    func batchedMatmul(_ d: TestDevice) throws {
        var rng = SeededRandom(seed: 11)
        let (batch, m, n, k) = (3, 7, 33, 17)
        let (a, b) = (rng.floats(batch * m * k), rng.floats(batch * k * n))
        let product = try d.tensor(a, [batch, m, k]).matmul(d.tensor(b, [batch, n, k]), transposeOther: true)
        let spec = GemmSpec(m: m, n: n, k: k, transposeB: true, batch: batch)
        let zeros = [Double](repeating: 0, count: batch * m * n)
        try expectClose(
            product, Reference.gemm(spec, a: a, b: b, c: zeros, bias: nil), rtol: gemmRtol,
            atol: gemmAtol(spec, a: a, b: b, c: zeros, bias: nil), "batched matmul")
    }

    /// The raw `Device.gemm` features the Tensor API does not expose: batch with a shared A
    /// (stride 0), padded strides, alpha and beta, a bias. Elements of C between the strided
    /// matrices must be left alone.
    @Test(arguments: TestDevices.all)
    func gemmStridesAlphaBetaBias(_ d: TestDevice) throws {
        var rng = SeededRandom(seed: 12)
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
        ]
        for (index, spec) in specs.enumerated() {
            let countA = (spec.batch - 1) * spec.strideA + spec.m * spec.k
            let countB = (spec.batch - 1) * spec.strideB + spec.k * spec.n
            let countC = (spec.batch - 1) * spec.strideC + spec.m * spec.n
            let (a, b, c) = (rng.floats(countA), rng.floats(countB), rng.floats(countC))
            for bias in [nil, rng.floats(spec.n)] {
                let cTensor = try d.tensor(c, [countC])
                try d.device.gemm(
                    spec, a: d.tensor(a, [countA]).buffer, b: d.tensor(b, [countB]).buffer, c: cTensor.buffer,
                    bias: try bias.map { try d.tensor($0, [spec.n]).buffer })
                try expectClose(
                    cTensor, Reference.gemm(spec, a: a, b: b, c: c, bias: bias), rtol: gemmRtol,
                    atol: gemmAtol(spec, a: a, b: b, c: c, bias: bias),
                    "gemm case \(index) \(spec) bias \(bias != nil)")
            }
        }
    }

    /// Blocks inside larger matrices (leading dimensions, offsets, a bias offset) and the fused
    /// ReLU, through `Tensor.gemm`, for every transpose pair, on awkward sizes that span several
    /// tiles in every dimension (k = 0 included: C keeps β·C). Elements of C outside the block
    /// must be left alone.
    @Test(arguments: TestDevices.all)
    func gemmBlocksAndReluEpilogue(_ d: TestDevice) throws {
        var rng = SeededRandom(seed: 14)
        for index in 0..<36 {
            var (m, n, k) = (rng.int(in: 1...70), rng.int(in: 1...70), index == 5 ? 0 : rng.int(in: 1...70))
            // From case 24 on, one dimension of at most 4 in turn (thin layers).
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
            let cTensor = try d.tensor(c, [c.count])
            try Tensor.gemm(spec, d.tensor(a, [a.count]), d.tensor(b, [b.count]), into: cTensor, bias: bias.map { try d.tensor($0, [$0.count]) })
            try expectClose(
                cTensor, Reference.gemm(spec, a: a, b: b, c: c, bias: bias), rtol: gemmRtol,
                atol: gemmAtol(spec, a: a, b: b, c: c, bias: bias), "gemm block case \(index) \(spec)")
        }
        // A block that does not fit its tensor is refused, naming the operand.
        let small = try Tensor.zeros([10], on: d.device)
        #expect(throws: FlowError.self) { try Tensor.gemm(GemmSpec(m: 3, n: 3, k: 3, ldc: 5), small, small, into: small) }
    }

    /// A weight gradient `Aᵀ·B` with a long inner dimension (the CPU cuts it along k and adds the
    /// partial products in a fixed order), inside larger matrices, with α and β·C.
    @Test(arguments: TestDevices.all)
    func weightGradientWithLongInnerDimension(_ d: TestDevice) throws {
        var rng = SeededRandom(seed: 17)
        for (k, beta) in [(1001, Float(0)), (999, Float(0.5))] {
            var spec = GemmSpec(m: 37, n: 29, k: k, transposeA: true, alpha: 0.75, beta: beta, lda: 40, ldb: 33, ldc: 31)
            (spec.offsetA, spec.offsetB, spec.offsetC) = (3, 5, 7)
            let (a, b, c) = (rng.floats(spec.requiredA), rng.floats(spec.requiredB), rng.floats(spec.requiredC + 2))
            let cTensor = try d.tensor(c, [c.count])
            try Tensor.gemm(spec, d.tensor(a, [a.count]), d.tensor(b, [b.count]), into: cTensor)
            try expectClose(
                cTensor, Reference.gemm(spec, a: a, b: b, c: c, bias: nil), rtol: gemmRtol,
                atol: gemmAtol(spec, a: a, b: b, c: c, bias: nil), "weight gradient k \(k) beta \(beta)")
        }
    }

    /// A group of products writing disjoint blocks of one C (the tiles of a block-triangular
    /// product, with ReLU and a bias offset), against the same products one by one through the
    /// reference; C outside the blocks keeps its contents. Overlapping blocks are refused.
    @Test(arguments: TestDevices.all)
    func gemmGroupMatchesReference(_ d: TestDevice) throws {
        var rng = SeededRandom(seed: 15)
        let (rows, inputs, outputs) = (37, 45, 70)
        let (x, w, bias) = (rng.floats(rows * inputs), rng.floats(outputs * inputs), rng.floats(outputs))
        let c = rng.floats(rows * outputs)
        // Uneven column tiles of C = X · Wᵀ, each reading a different prefix of the inputs (0 included).
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
        let (expected, atol) = referenceGroup(specs, a: x, b: w, c: c, bias: bias)
        let cTensor = try d.tensor(c, [rows, outputs])
        // The device's own scheduling (GemmGroupCapable) where it has one, then the generic fallback.
        for usingCapability in [true, false] {
            let result = try d.tensor(c, [rows, outputs])
            try Tensor.gemmGroup(
                specs, d.tensor(x, [rows, inputs]), d.tensor(w, [outputs, inputs]), into: result, bias: d.tensor(bias, [outputs]),
                usingCapability: usingCapability)
            try expectClose(result, expected, rtol: gemmRtol, atol: atol, "gemm group, capability \(usingCapability)")
        }
        var overlapping = specs
        overlapping[1].offsetC -= 1
        #expect(throws: FlowError.self) {
            try Tensor.gemmGroup(overlapping, d.tensor(x, [rows, inputs]), d.tensor(w, [outputs, inputs]), into: cTensor)
        }
    }

    /// A chain separable by rows (an MLP on a batch, its middle layer in two tiles that read
    /// different prefixes), each stage against the reference, on a row count that splits
    /// unevenly. A stage that reads another stage's output as B is
    /// refused.
    @Test(arguments: TestDevices.all)
    func gemmRowChainMatchesReference(_ d: TestDevice) throws {
        var rng = SeededRandom(seed: 16)
        let (rows, sizes) = (83, [5, 70, 40, 3])
        var stages: [Tensor.ChainStage] = []
        var input = try d.tensor(rng.floats(rows * sizes[0]), [rows, sizes[0]])
        for layer in 0..<3 {
            let (inputs, outputs) = (sizes[layer], sizes[layer + 1])
            let activation: GemmActivation = layer < 2 ? .relu : .none
            let full = GemmSpec(m: rows, n: outputs, k: inputs, transposeB: true, lda: inputs, ldb: inputs, ldc: outputs, activation: activation)
            var specs = [full]
            if layer == 1 {
                // Two tiles: the first 30 outputs read only the first 20 inputs.
                var (first, second) = (full, full)
                (first.n, first.k) = (30, 20)
                (second.n, second.offsetB, second.offsetC, second.offsetBias) = (outputs - 30, 30 * inputs, 30, 30)
                specs = [first, second]
            }
            let output = try Tensor.empty([rows, outputs], on: d.device)
            let weight = try d.tensor(rng.floats(outputs * inputs), [outputs, inputs])
            stages.append(Tensor.ChainStage(specs: specs, a: input, b: weight, c: output, bias: try d.tensor(rng.floats(outputs), [outputs])))
            input = output
        }
        for usingCapability in [true, false] {
            // NaN in every output first, so a path that leaves an output unwritten fails.
            for stage in stages { try d.device.fill(stage.c.buffer, count: stage.c.count, value: .nan) }
            try Tensor.gemmRowChain(stages, usingCapability: usingCapability)
            try expectChainMatchesReference(stages, "row chain, capability \(usingCapability)")
        }
        var racing = stages
        racing[2].b = stages[0].c
        #expect(throws: FlowError.self) { try Tensor.gemmRowChain(racing) }
    }

    /// A backward-like chain: each stage's product gated by ReLU's backward (`c = gate > 0 ? c : 0`,
    /// NaN in the gate closes it), the middle one in two column tiles, against the reference.
    /// A gate with a bias, or on a stage that leaves part of c unwritten, is refused.
    @Test(arguments: TestDevices.all)
    func gemmRowChainGates(_ d: TestDevice) throws {
        var rng = SeededRandom(seed: 18)
        let (rows, sizes) = (77, [6, 50, 33, 4])
        var stages: [Tensor.ChainStage] = []
        var input = try d.tensor(rng.floats(rows * sizes[3]), [rows, sizes[3]])
        for layer in (0..<3).reversed() {
            // ∂x = ∂y · W for W: [outputs, inputs], gated by the layer input's ReLU output.
            let (inputs, outputs) = (sizes[layer], sizes[layer + 1])
            let full = GemmSpec(m: rows, n: inputs, k: outputs)
            var specs = [full]
            if layer == 1 {
                var (first, second) = (full, full)
                first.n = 20
                (second.n, second.offsetB, second.offsetC) = (inputs - 20, 20, 20)
                specs = [first, second]
            }
            var gateValues = rng.floats(rows * inputs)
            gateValues[3] = .nan
            let gate = layer > 0 ? try d.tensor(gateValues, [rows, inputs]) : nil
            let output = try Tensor.empty([rows, inputs], on: d.device)
            stages.append(Tensor.ChainStage(specs: specs, a: input, b: try d.tensor(rng.floats(outputs * inputs), [outputs, inputs]), c: output, gate: gate))
            input = output
        }
        for usingCapability in [true, false] {
            // NaN in every output first, so a path that leaves an output unwritten fails.
            for stage in stages { try d.device.fill(stage.c.buffer, count: stage.c.count, value: .nan) }
            try Tensor.gemmRowChain(stages, usingCapability: usingCapability)
            try expectChainMatchesReference(stages, "gated chain, capability \(usingCapability)")
        }
        var withBias = stages
        withBias[0].bias = try Tensor.zeros([sizes[2]], on: d.device)
        #expect(throws: FlowError.self) { try Tensor.gemmRowChain(withBias) }
        var partial = stages
        partial[1].specs.removeLast()
        #expect(throws: FlowError.self) { try Tensor.gemmRowChain(partial) }
    }

    /// With beta = 0 the contract says C is written, never read: NaN already in C must not leak
    /// into the result (0·NaN is NaN).
    @Test(arguments: TestDevices.all)
    func betaZeroIgnoresC(_ d: TestDevice) throws {
        var rng = SeededRandom(seed: 13)
        let spec = GemmSpec(m: 17, n: 33, k: 7, alpha: 1.5, beta: 0)
        let (a, b) = (rng.floats(17 * 7), rng.floats(7 * 33))
        let c = try Tensor.full([17 * 33], value: .nan, on: d.device)
        try d.device.gemm(spec, a: d.tensor(a, [17 * 7]).buffer, b: d.tensor(b, [7 * 33]).buffer, c: c.buffer, bias: nil)
        let zeros = [Double](repeating: 0, count: 17 * 33)
        try expectClose(
            c, Reference.gemm(spec, a: a, b: b, c: zeros, bias: nil), rtol: gemmRtol,
            atol: gemmAtol(spec, a: a, b: b, c: zeros, bias: nil), "gemm beta 0 over NaN")
    }

    @Test(arguments: TestDevices.all)
    func linearForward(_ d: TestDevice) throws {
        var rng = SeededRandom(seed: 14)
        for (rows, inputs, outputs) in [(1, 1, 1), (3, 7, 17), (33, 65, 7), (257, 33, 17), (4, 257, 3)] {
            for masked in [false, true] {
                let x = rng.floats(rows * inputs)
                let w = rng.floats(outputs * inputs)
                let bias = rng.floats(outputs)
                let mask = masked ? rng.mask(outputs * inputs) : nil
                let y = try d.tensor(x, [rows, inputs]).linear(
                    weight: d.tensor(w, [outputs, inputs]), bias: d.tensor(bias, [outputs]),
                    mask: try mask.map { try d.tensor($0, [outputs, inputs]) })
                let expected = Reference.linear(
                    x: x, rows: rows, inputs: inputs, weight: w, outputs: outputs, bias: bias, mask: mask)
                let magnitude = Reference.linear(
                    x: x.map(abs), rows: rows, inputs: inputs, weight: w.map(abs), outputs: outputs,
                    bias: bias.map(abs), mask: mask)
                try expectClose(
                    y, expected, rtol: gemmRtol, atol: Tolerance.accumulated(terms: inputs + 1, magnitude: magnitude),
                    "linear \(rows)×\(inputs)→\(outputs) masked \(masked)")
            }
        }
    }
}

@Suite struct LinearBackwardTests {
    @Test(arguments: TestDevices.all)
    func linearBackwardMatchesFiniteDifferences(_ d: TestDevice) throws {
        var rng = SeededRandom(seed: 15)
        let (rows, inputs, outputs) = (3, 5, 4)
        for masked in [false, true] {
            let (x, w, bias) = (rng.floats(rows * inputs), rng.floats(outputs * inputs), rng.floats(outputs))
            let mask = masked ? rng.mask(outputs * inputs) : nil
            let gradY = rng.floats(rows * outputs)
            let grads = try Tensor.linearBackward(
                input: d.tensor(x, [rows, inputs]), weight: d.tensor(w, [outputs, inputs]),
                mask: try mask.map { try d.tensor($0, [outputs, inputs]) }, hasBias: true,
                gradOutput: d.tensor(gradY, [rows, outputs]))
            let gradBias = try #require(grads.bias)
            try expectGradients(
                [grads.input, grads.weight, gradBias],
                matchFiniteDifferencesOf: { p in
                    Reference.dot(
                        gradY,
                        Reference.linear(
                            x: p[0], rows: rows, inputs: inputs, weight: p[1], outputs: outputs, bias: p[2], mask: mask))
                }, at: [x, w, bias], names: ["x", "W", "b"], "linearBackward masked \(masked)")
        }
    }

    @Test(arguments: TestDevices.all)
    func linearBackwardMatchesReference(_ d: TestDevice) throws {
        var rng = SeededRandom(seed: 16)
        for (rows, inputs, outputs) in [(65, 33, 17), (257, 7, 3), (1, 129, 33)] {
            let (x, w) = (rng.floats(rows * inputs), rng.floats(outputs * inputs))
            let mask = rng.mask(outputs * inputs)
            let gradY = rng.floats(rows * outputs)
            let grads = try Tensor.linearBackward(
                input: d.tensor(x, [rows, inputs]), weight: d.tensor(w, [outputs, inputs]),
                mask: d.tensor(mask, [outputs, inputs]), hasBias: true, gradOutput: d.tensor(gradY, [rows, outputs]))
            let expected = Reference.linearBackward(
                x: x, rows: rows, inputs: inputs, weight: w, outputs: outputs, mask: mask, gradY: gradY)
            let magnitude = Reference.linearBackward(
                x: x.map(abs), rows: rows, inputs: inputs, weight: w.map(abs), outputs: outputs, mask: mask,
                gradY: gradY.map(abs))
            let label = "linearBackward \(rows)×\(inputs)→\(outputs)"
            try expectClose(
                grads.input, expected.input, rtol: gemmRtol,
                atol: Tolerance.accumulated(terms: outputs, magnitude: magnitude.input), "\(label) ∂x")
            try expectClose(
                grads.weight, expected.weight, rtol: gemmRtol,
                atol: Tolerance.accumulated(terms: rows, magnitude: magnitude.weight), "\(label) ∂W")
            try expectClose(
                try #require(grads.bias), expected.bias, rtol: gemmRtol,
                atol: Tolerance.accumulated(terms: rows, magnitude: magnitude.bias), "\(label) ∂b")
        }
    }
}
