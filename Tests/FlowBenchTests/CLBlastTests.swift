import FlowBench
import FlowKernelDevice
import FlowRuntime
import FlowTestSupport
import Testing

/// The CLBlast yardstick of `flowkit bench`: when the library loads it must compute the product
/// ours computes (else the bench compares against something else); when it does not, the loader
/// must say so as an error, not crash.
struct CLBlastTests {
    @Test func missingLibraryIsReportedAsAbsent() throws {
        let path = "/nonexistent-flowkit-test/\(CLBlast.libraryName)"
        do {
            _ = try CLBlast.load(candidates: [path])
            Issue.record("loaded CLBlast from \(path), which does not exist")
        } catch let DynamicLibraryError.notFound(_, attempts) {
            #expect(attempts.count == 1)
            #expect(attempts.first?.hasPrefix(path) == true)
        }
    }

    /// 37×53×29 (off every tile grid) in all four transposes, inside padded operands (lda, ldb,
    /// ldc and offsets), with alpha and beta: ours and CLBlast's each within the product's
    /// rounding tolerance of the reference, on the same buffers and queue.
    @Test(arguments: TestDevices.openCL)
    func agreesWithOurProduct(_ d: TestDevice) throws {
        guard let device = d.device as? OpenCLDevice else {
            Issue.record("\(d) is listed as OpenCL but is not an OpenCLDevice")
            return
        }
        let clblast: CLBlast
        do {
            clblast = try CLBlast.load()
        } catch {
            // CI installs libclblast-dev (.ci/install-packages), so there its absence is a failure.
            if TestDevices.isCI { Issue.record("CLBlast did not load under CI: \(error)") }
            try Test.cancel("CLBlast is not installed here: \(error)")
        }
        let (m, n, k) = (37, 53, 29)
        for (transposeA, transposeB) in [(false, false), (false, true), (true, false), (true, true)] {
            var spec = GemmSpec(
                m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, alpha: 0.75, beta: -0.5,
                lda: (transposeA ? m : k) + 3, ldb: (transposeB ? k : n) + 5, ldc: n + 2)
            (spec.offsetA, spec.offsetB, spec.offsetC) = (7, 11, 13)
            let result = try clblast.compare(spec, on: device, seed: 37)
            let (a, b, c) = (result.a.map(Double.init), result.b.map(Double.init), result.c.map(Double.init))
            let expected = Reference.gemm(spec, a: a, b: b, c: c, bias: nil)
            // Entries of C outside the product (padding, offset) must come back unchanged.
            var atol = [Double](repeating: 0, count: c.count)
            let productAtol = OpTolerance.gemmAtol(spec, a: a, b: b, c: c, bias: nil)
            for i in 0..<m {
                for j in 0..<n { atol[spec.offsetC + i * spec.ldc + j] = productAtol[spec.offsetC + i * spec.ldc + j] }
            }
            let label = "37×53×29 transposeA \(transposeA) transposeB \(transposeB)"
            for (name, actual) in [("ours", result.ours), ("CLBlast", result.theirs)] {
                #expect(actual.count == expected.count, "\(name) \(label)")
                let worst =
                    zip(zip(actual, expected), atol).map { pair, tolerance in
                        abs(Double(pair.0) - pair.1) - (tolerance == 0 ? 0 : tolerance + OpTolerance.gemmRtol * abs(pair.1))
                    }.max() ?? 0
                #expect(worst <= 0, "\(name) \(label): exceeds the tolerance by \(worst)")
                #expect(!actual.contains { $0.isNaN }, "\(name) \(label) holds NaN")
            }
            #expect(result.maxAbsDifference.isFinite, "\(label)")
        }
    }
}
