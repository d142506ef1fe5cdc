import FlowCore
import Foundation
import Testing

@testable import FlowTraining

/// The numerics fingerprint in checkpoints: stored and read back, absent in older manifests, and
/// what a resume says (or refuses) for each case.
struct NumericsCheckTests {
    static let cpu = NumericsFingerprint(
        deviceKind: "cpu", deviceName: "AMD EPYC", blasKernels: "Cooperlake", blasLibrary: "OpenBLAS 0.3.21 DYNAMIC_ARCH",
        mathLibrary: "glibc 2.36", reductionScheme: "cpu-shape-1")

    @Test func theFingerprintIsStoredAndReadBack() throws {
        let run = CheckpointStoreTests.temporaryRun()
        defer { try? FileManager.default.removeItem(at: run) }
        let store = CheckpointStore(runDirectory: run, keep: 2)
        var metadata = CheckpointStoreTests.metadata(5)
        metadata.numerics = Self.cpu
        try store.save(tensors: ["w": .init(shape: [1], values: [1])], metadata: metadata)
        let loaded = try #require(store.loadLatest { Issue.record("unexpected warning: \($0)") })
        #expect(loaded.metadata.numerics == Self.cpu)
    }

    /// A manifest written before the fingerprint existed decodes, with no fingerprint.
    @Test func anOlderManifestWithoutOneStillDecodes() throws {
        let run = CheckpointStoreTests.temporaryRun()
        defer { try? FileManager.default.removeItem(at: run) }
        let store = CheckpointStore(runDirectory: run, keep: 2)
        try store.save(tensors: ["w": .init(shape: [1], values: [1])], metadata: CheckpointStoreTests.metadata(5))
        let url = store.directory.appendingPathComponent("step-00000005.json")
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(!text.contains("numerics"), "an unset fingerprint is left out, as older manifests have it")
        let loaded = try #require(store.loadLatest { Issue.record("unexpected warning: \($0)") })
        #expect(loaded.metadata.numerics == nil)
    }

    @Test func aMatchingFingerprintSaysNothing() throws {
        #expect(try NumericsCheck.resume(recorded: Self.cpu, current: Self.cpu, step: 3, strict: true) == nil)
    }

    @Test func eachDifferenceIsNamedInOneLine() throws {
        var other = Self.cpu
        other.blasKernels = "Haswell"
        other.reductionScheme = "cpu-shape-2"
        let line = try #require(try NumericsCheck.resume(recorded: Self.cpu, current: other, step: 3, strict: false))
        #expect(!line.contains("\n"))
        #expect(
            line.contains("checkpoint step 3") && line.contains("BLAS kernels: Cooperlake → Haswell")
                && line.contains("reduction scheme: cpu-shape-1 → cpu-shape-2") && line.contains("not bit-identical"), "\(line)")
        #expect(!line.contains("device:"), "only the fields that differ: \(line)")
        #expect(throws: NumericsCheck.Mismatch.self) { try NumericsCheck.resume(recorded: Self.cpu, current: other, step: 3, strict: true) }
    }

    @Test func anotherBackendDiffersInEveryFieldItHas() throws {
        let gpu = NumericsFingerprint(
            deviceKind: "cuda", deviceName: "NVIDIA H100", kernelCompiler: "CUDA 12.4, NVRTC 12.4", tuning: ["-DWGS=256"],
            reductionScheme: "kernel-1")
        let differences = gpu.differences(from: Self.cpu)
        #expect(
            differences.contains("device kind: cpu → cuda") && differences.contains("BLAS kernels: Cooperlake → -")
                && differences.contains("kernel compiler: - → CUDA 12.4, NVRTC 12.4") && differences.contains("tuning: - → -DWGS=256"), "\(differences)")
    }

    @Test func noFingerprintIsANoteOrARefusalWhenStrict() throws {
        let line = try #require(try NumericsCheck.resume(recorded: nil, current: Self.cpu, step: 8, strict: false))
        #expect(line.hasPrefix("note: checkpoint step 8 records no numerics fingerprint"), "\(line)")
        do {
            _ = try NumericsCheck.resume(recorded: nil, current: Self.cpu, step: 8, strict: true)
            Issue.record("a strict resume of a checkpoint without a fingerprint must be refused")
        } catch let error as NumericsCheck.Mismatch {
            #expect(error.description.contains("--strict-numerics") && error.description.contains("cannot be checked"), "\(error)")
        }
    }
}
