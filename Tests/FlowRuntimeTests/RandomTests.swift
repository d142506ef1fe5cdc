import FlowRuntime
import FlowTestSupport
import Testing

/// The device's normals use exact-math polynomials accurate to a few ulps of values up to
/// √(−2 log 2⁻²⁴) ≈ 5.8, so within ~1e-6 of Box–Muller in Double; 1e-5 absolute leaves margin
/// while a wrong word pairing or cos/sin swap is off by O(1).
private let normalAtol = OpTolerance.normalAtol

/// Streams with a nonzero counter, a counter whose low word wraps inside the fill (the high word
/// must carry), a seed above 2³², and odd counts that end mid-block.
private let streams: [(seed: UInt64, counter: UInt64)] = [
    (0, 0), (42, 7), (0x1234_5678_9ABC_DEF0, 0xFFFF_FFFE), (7, 1 << 40),
]
private let counts = [1, 5, 1001]

@Suite struct RandomTests {
    /// Philox-4x32-10 known-answer vectors from Random123 (kat_vectors).
    @Test func philoxKnownAnswers() {
        let cases: [((UInt32, UInt32, UInt32, UInt32), (UInt32, UInt32), [UInt32])] = [
            ((0, 0, 0, 0), (0, 0), [0x6627_E8D5, 0xE169_C58D, 0xBC57_AC4C, 0x9B00_DBD8]),
            (
                (0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF), (0xFFFF_FFFF, 0xFFFF_FFFF),
                [0x408F_276D, 0x41C8_3B0E, 0xA20B_C7C6, 0x6D54_51FD]
            ),
            (
                (0x243F_6A88, 0x85A3_08D3, 0x1319_8A2E, 0x0370_7344), (0xA409_3822, 0x299F_31D0),
                [0xD16C_FE09, 0x94FD_CCEB, 0x5001_E420, 0x2412_6EA1]
            ),
        ]
        for (counter, key, expected) in cases {
            let block = Philox.block(counter: counter, key: key)
            let words = [block.0, block.1, block.2, block.3]
            #expect(words == expected, "Philox(\(counter), \(key))")
        }
        // The (n, seed) form packs n and seed into the low words.
        let packed = Philox.block(0x85A3_08D3_243F_6A88, seed: 0x299F_31D0_A409_3822)
        let full = Philox.block(counter: (0x243F_6A88, 0x85A3_08D3, 0, 0), key: (0xA409_3822, 0x299F_31D0))
        #expect([packed.0, packed.1, packed.2, packed.3] == [full.0, full.1, full.2, full.3])
    }

    /// Uniforms are (w >> 8)·2⁻²⁴, exact in Float: bit-identical to the reference on every device,
    /// which also pins each device to the known-answer vectors (seed 0, counter 0 starts with 0x6627e8d5).
    @Test(arguments: TestDevices.all)
    func uniformsMatchReferenceExactly(_ d: TestDevice) throws {
        for (seed, counter) in streams {
            for count in counts {
                try d.poisonCache(count)
                let values = try Tensor.random([count], .uniform, seed: seed, counter: counter, on: d.device)
                let expected = Reference.randomUniform(count: count, seed: seed, counter: counter).map { Float($0) }
                expectIdentical(try values.toArray(), expected, "uniform seed \(seed) counter \(counter) count \(count)")
            }
        }
        let first = try Tensor.random([1], .uniform, seed: 0, counter: 0, on: d.device).toArray()[0]
        #expect(first == Float(0x6627_E8D5 >> 8) * 0x1p-24)
    }

    @Test(arguments: TestDevices.all)
    func normalsMatchDoubleReference(_ d: TestDevice) throws {
        for (seed, counter) in streams {
            for count in counts {
                let values = try Tensor.random([count], .normal, seed: seed, counter: counter, on: d.device)
                try expectClose(
                    values, Reference.randomNormal(count: count, seed: seed, counter: counter), rtol: 0,
                    atol: normalAtol, "normal seed \(seed) counter \(counter) count \(count)")
            }
        }
    }

    /// Uniform and normal streams are bit-identical on every device (the exact-math conversions).
    @Test(arguments: TestDevices.all)
    func streamsBitIdenticalToCPU(_ d: TestDevice) throws {
        let cpu = try #require(TestDevices.cpu)
        for distribution in [RandomDistribution.uniform, .normal] {
            for (seed, counter) in streams {
                for count in counts + [100_003] {
                    let here = try Tensor.random([count], distribution, seed: seed, counter: counter, on: d.device)
                    let there = try Tensor.random([count], distribution, seed: seed, counter: counter, on: cpu.device)
                    expectIdentical(
                        try here.toArray(), try there.toArray(),
                        "\(distribution) seed \(seed) counter \(counter) count \(count): \(d) vs cpu")
                }
            }
        }
    }

    /// A fill advances by ceil(count / 4) blocks: the fill at counter + 1 continues the stream at value 4.
    @Test(arguments: TestDevices.all)
    func streamContinuesAcrossFills(_ d: TestDevice) throws {
        for distribution in [RandomDistribution.uniform, .normal] {
            let long = try Tensor.random([12], distribution, seed: 5, counter: 100, on: d.device).toArray()
            let tail = try Tensor.random([8], distribution, seed: 5, counter: 101, on: d.device).toArray()
            expectIdentical(Array(long[4...]), tail, "\(distribution) stream continuation")
            let otherSeed = try Tensor.random([12], distribution, seed: 6, counter: 100, on: d.device).toArray()
            #expect(otherSeed != long, "seed changes the stream")
        }
    }

    @Test(arguments: TestDevices.all)
    func distributionsHaveSaneMoments(_ d: TestDevice) throws {
        let count = 100_000
        // Standard errors over 1e5 samples: mean ≈ 0.003σ, variance ≈ 0.0045σ²; bounds are ~5 standard errors.
        let normals = try Tensor.random([count], .normal, seed: 2024, counter: 3, on: d.device).values()
        let normalMean = normals.reduce(0, +) / Double(count)
        let normalVariance = normals.map { ($0 - normalMean) * ($0 - normalMean) }.reduce(0, +) / Double(count)
        #expect(abs(normalMean) < 0.016, "normal mean \(normalMean)")
        #expect(abs(normalVariance - 1) < 0.025, "normal variance \(normalVariance)")
        #expect(normals.allSatisfy { $0.isFinite && abs($0) < 6 }, "normals are finite and below √(2·24 log 2)")

        let uniforms = try Tensor.random([count], .uniform, seed: 2024, counter: 3, on: d.device).values()
        let uniformMean = uniforms.reduce(0, +) / Double(count)
        let uniformVariance = uniforms.map { ($0 - uniformMean) * ($0 - uniformMean) }.reduce(0, +) / Double(count)
        #expect(abs(uniformMean - 0.5) < 0.005, "uniform mean \(uniformMean)")
        #expect(abs(uniformVariance - 1.0 / 12) < 0.002, "uniform variance \(uniformVariance)")
        #expect(uniforms.allSatisfy { $0 >= 0 && $0 < 1 }, "uniforms in [0, 1)")
    }
}
