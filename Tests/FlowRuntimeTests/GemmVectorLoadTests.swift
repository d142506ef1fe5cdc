import FlowKernelDevice
import FlowRuntime
import FlowTestSupport
import Testing

/// The kernel gemm stages tiles with 4-float loads when an operand's rows start at multiples of 4
/// elements, and with bounds-checked scalar loads otherwise (`gemm.cl`). Both stage the same
/// values, so the same product laid out both ways must give bit-identical results, and both must
/// match the reference. The shapes have ld multiples of 4 and span whole tiles (64×64×16, the
/// default and PoCL tiling) as well as edge tiles, so both paths run inside one product.
@Suite struct GemmVectorLoadTests {
    /// (m, n, k): whole tiles only; whole tiles plus edges in every dimension; k shorter than a
    /// tile's depth (every tile an edge tile along k); a wide batch-free weight-gradient shape.
    private static let shapes: [(Int, Int, Int)] = [(64, 64, 16), (136, 72, 52), (200, 132, 100), (68, 260, 12), (128, 64, 256)]

    @Test(arguments: TestDevices.kernel)
    func vectorAndScalarLoadsAgreeBitForBit(_ d: TestDevice) throws {
        var rng = SeededRandom(seed: 41)
        for (m, n, k) in Self.shapes {
            for transposeA in [false, true] {
                for transposeB in [false, true] {
                    for batch in [1, 2] {
                        let base = GemmSpec(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, alpha: 0.75, beta: 0.5, batch: batch)
                        let (a, b, c) = (rng.floats(base.requiredA), rng.floats(base.requiredB), rng.floats(base.requiredC))
                        let bias = rng.floats(n)
                        let expected = Reference.gemm(base, a: a, b: b, c: c, bias: bias)
                        let atol = OpTolerance.gemmAtol(base, a: a, b: b, c: c, bias: bias)
                        var results: [[Float]] = []
                        // Offsets 4 and 8 keep both operands aligned; 1 and 3 make both scalar;
                        // the mixed pairs take the vector path for one operand only.
                        for (shiftA, shiftB) in [(4, 8), (1, 3), (4, 1), (3, 8)] {
                            var spec = base
                            (spec.offsetA, spec.offsetB) = (shiftA, shiftB)
                            let wantedFlags = (shiftA % 4 == 0 ? 1 : 0) | (shiftB % 4 == 0 ? 2 : 0)
                            #expect(spec.kernelVectorLoads == wantedFlags)
                            let aBuffer = try d.tensor([Double](repeating: .nan, count: shiftA) + a, [shiftA + a.count]).buffer
                            let bBuffer = try d.tensor([Double](repeating: .nan, count: shiftB) + b, [shiftB + b.count]).buffer
                            let cTensor = try d.tensor(c, [c.count])
                            try d.device.gemm(spec, a: aBuffer, b: bBuffer, c: cTensor.buffer, bias: d.tensor(bias, [n]).buffer)
                            let what = "gemm \(m)×\(n)×\(k) tA \(transposeA) tB \(transposeB) batch \(batch) offsets \(shiftA), \(shiftB)"
                            try expectClose(cTensor, expected, rtol: OpTolerance.gemmRtol, atol: atol, what)
                            results.append(try cTensor.toArray())
                        }
                        for (index, result) in results.enumerated().dropFirst() {
                            #expect(
                                result.map(\.bitPattern) == results[0].map(\.bitPattern),
                                "gemm \(m)×\(n)×\(k) tA \(transposeA) tB \(transposeB) batch \(batch): layout \(index) differs from the aligned one")
                        }
                    }
                }
            }
        }
    }

    /// Which operands qualify: every row start a multiple of 4 (leading dimension, offset, and
    /// the batch stride when there is more than one matrix).
    @Test func operandsQualifyOnlyWhenEveryRowIsAligned() {
        #expect(GemmSpec(m: 8, n: 8, k: 8).kernelVectorLoads == 3)
        #expect(GemmSpec(m: 8, n: 8, k: 7).kernelVectorLoads == 2)  // A's rows are 7 long
        #expect(GemmSpec(m: 8, n: 7, k: 8).kernelVectorLoads == 1)  // B's rows are 7 long
        #expect(GemmSpec(m: 7, n: 8, k: 8, transposeA: true).kernelVectorLoads == 2)  // Aᵀ stored 8×7
        #expect(GemmSpec(m: 8, n: 8, k: 8, batch: 2, strideA: 66, strideB: 64).kernelVectorLoads == 2)
        #expect(GemmSpec(m: 8, n: 8, k: 8, batch: 1, strideA: 66, strideB: 64).kernelVectorLoads == 3)  // one matrix: stride unused
        var shifted = GemmSpec(m: 8, n: 8, k: 8)
        shifted.offsetB = 2
        #expect(shifted.kernelVectorLoads == 1)
    }
}
