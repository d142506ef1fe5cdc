import FlowRuntime
import FlowTestSupport
import Testing

/// Float32 products accumulate `k` terms: each output is allowed `Tolerance.accumulated` (8·ε·√k
/// times the sum of the terms' magnitudes) plus rtol 1e-6 (≈ 16 ulps) for the final rounding and
/// the alpha/beta/bias arithmetic. An indexing or transpose bug is off by O(|term|) ≈ Σ|terms|/k.
private let gemmRtol = OpTolerance.gemmRtol

private func gemmAtol(_ spec: GemmSpec, a: [Double], b: [Double], c: [Double], bias: [Double]?) -> [Double] {
    OpTolerance.gemmAtol(spec, a: a, b: b, c: c, bias: bias)
}

@Suite struct GemmTests {
    /// `GemmCases.shapes` through `matmul`, every transpose pair (the comparisons `flowkit check` reports too).
    @Test(arguments: TestDevices.all, GemmCases.shapes)
    func matmulAllTransposes(_ d: TestDevice, shape: [Int]) throws {
        var rng = GemmCases.random(for: shape)
        for pair in GemmCases.transposePairs {
            let comparison = try GemmCases.matmul(on: d, shape: shape, transposeA: pair.a, transposeB: pair.b, rng: &rng)
            expect([comparison], "\(shape) transposeA \(pair.a) transposeB \(pair.b)")
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

    /// The raw `Device.gemm` features the Tensor API does not expose (`GemmCases.strided`): batch
    /// with a shared A (stride 0), padded strides, alpha and beta, a bias. Elements of C between
    /// the strided matrices must be left alone.
    @Test(arguments: TestDevices.all)
    func gemmStridesAlphaBetaBias(_ d: TestDevice) throws {
        for product in GemmCases.strided {
            expect([try product.runOnDevice(d, op: "gemm batched")], "\(product)")
        }
    }

    /// Blocks inside larger matrices (`GemmCases.blocks`: leading dimensions, offsets, a bias
    /// offset) and the fused ReLU, through `Tensor.gemm`, for every transpose pair, on awkward
    /// sizes that span several tiles in every dimension (k = 0 included: C keeps β·C). Elements of
    /// C outside the block must be left alone.
    @Test(arguments: TestDevices.all)
    func gemmBlocksAndReluEpilogue(_ d: TestDevice) throws {
        for (index, product) in GemmCases.blocks.enumerated() {
            expect([try product.run(on: d, op: "gemm block")], "case \(index) \(product.spec)")
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

    /// Groups of products writing disjoint blocks of one C (`GemmCases.groups`: the tiles of a
    /// block-triangular product, with ReLU and a bias offset), against the same products one by
    /// one through the reference, through the device's own scheduling and the generic fallback;
    /// C outside the blocks keeps its contents. Overlapping blocks are refused.
    @Test(arguments: TestDevices.all)
    func gemmGroupMatchesReference(_ d: TestDevice) throws {
        for group in GemmCases.groups {
            for usingCapability in [true, false] {
                expect([try group.run(on: d, usingCapability: usingCapability)], "\(group), capability \(usingCapability)")
            }
        }
        let group = GemmCases.groups[0]
        var overlapping = group.specs
        overlapping[1].offsetC -= 1
        let cTensor = try d.tensor(group.c, [group.rows, group.outputs])
        #expect(throws: FlowError.self) {
            try Tensor.gemmGroup(
                overlapping, d.tensor(group.x, [group.rows, group.inputs]), d.tensor(group.w, [group.outputs, group.inputs]), into: cTensor)
        }
    }

    /// Chains separable by rows (`GemmCases.rowChains`: an MLP on a batch, its middle layer in
    /// two tiles that read different prefixes, or whole), each stage against the reference, on a
    /// row count that splits unevenly. A stage that reads another stage's output as B is refused.
    @Test(arguments: TestDevices.all)
    func gemmRowChainMatchesReference(_ d: TestDevice) throws {
        for chain in GemmCases.rowChains {
            for usingCapability in [true, false] {
                expect(try chain.run(on: d, usingCapability: usingCapability), "\(chain), capability \(usingCapability)")
            }
        }
        let stages = try GemmCases.rowChains[0].stages(on: d)
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
            expect(try GemmCases.compare(stages, op: "gated chain"), "capability \(usingCapability)")
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

    /// `LinearCase.forward`, each size without and with a mask (the comparisons `flowkit check` reports too).
    @Test(arguments: TestDevices.all)
    func linearForward(_ d: TestDevice) throws {
        for c in LinearCase.forward { expect([try c.runForward(on: d)], "\(c)") }
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

    /// `LinearCase.backward` against the reference (the comparisons `flowkit check` reports too).
    @Test(arguments: TestDevices.all)
    func linearBackwardMatchesReference(_ d: TestDevice) throws {
        for c in LinearCase.backward { expect(try c.runBackward(on: d), "\(c)") }
    }
}
