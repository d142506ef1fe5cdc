import Foundation
import Testing

/// Each checkpoint records the numerics it was computed with; a resume where they differ says so
/// in one line and continues, `--strict-numerics` refuses; an older checkpoint without a
/// fingerprint still resumes, with a note. And the thread count is a setting with clear errors.
@Suite struct NumericsFingerprintCLITests {
    static let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flowkit-fingerprint-\(UUID().uuidString)")

    static let config = """
        {"data": {"kind": "toy", "name": "banana", "evaluationSize": 200},
         "model": {"kind": "realnvp", "layers": 2, "hidden": 16},
         "train": {"steps": 4, "batchSize": 64, "checkpointEvery": 2, "evalEvery": 100, "logEvery": 1, "seed": 3}}
        """

    /// A run trained for 2 steps (`--steps 2`; resumes ask for 4), and its manifest at step 2.
    static func halfTrainedRun(_ name: String) throws -> (run: String, config: String, manifest: URL) {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let config = folder.appendingPathComponent("\(name).json").path
        try Self.config.write(toFile: config, atomically: true, encoding: .utf8)
        let run = folder.appendingPathComponent(name).path
        let trained = try CLITests.run(["train", config, "--run-dir", run, "--steps", "2"])
        try #require(trained.status == 0, "\(trained.stderr)")
        return (run, config, URL(fileURLWithPath: "\(run)/checkpoints/step-00000002.json"))
    }

    static func manifest(_ url: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    /// Rewrites the manifest's `metadata.numerics` (nil removes it, as in a checkpoint of an older flowkit).
    static func rewriteNumerics(_ url: URL, _ change: ([String: Any]) -> [String: Any]?) throws {
        var object = try manifest(url)
        var metadata = try #require(object["metadata"] as? [String: Any])
        metadata["numerics"] = (metadata["numerics"] as? [String: Any]).flatMap(change)
        object["metadata"] = metadata
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).write(to: url)
    }

    static func numericsLines(_ text: String) -> [Substring] {
        text.split(separator: "\n").filter { $0.contains("numerics") }
    }

    @Test func checkpointsRecordTheFingerprintAndAMatchingResumeSaysNothing() throws {
        let (run, config, url) = try Self.halfTrainedRun("same")
        let metadata = try #require(try Self.manifest(url)["metadata"] as? [String: Any])
        let numerics = try #require(metadata["numerics"] as? [String: Any], "\(metadata)")
        #expect(numerics["deviceKind"] as? String == "cpu")
        #expect((numerics["deviceName"] as? String)?.isEmpty == false)
        #expect((numerics["blasKernels"] as? String)?.isEmpty == false)
        #expect((numerics["blasLibrary"] as? String)?.contains("OpenBLAS") == true, "\(numerics)")
        #expect(numerics["reductionScheme"] as? String == "cpu-shape-1")
        // The thread count does not decide the bits, so it is not part of the fingerprint.
        let resumed = try CLITests.run(
            ["train", config, "--run-dir", run, "--resume", "--strict-numerics", "--steps", "4"], environment: ["FLOWKIT_THREADS": "3"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(Self.numericsLines(resumed.stderr + resumed.stdout).isEmpty, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("3 threads"), "\(resumed.stdout)")
        // …and the resumed run ends exactly where an uninterrupted one on one thread does.
        let straight = Self.folder.appendingPathComponent("same-straight").path
        let uninterrupted = try CLITests.run(["train", config, "--run-dir", straight, "--steps", "4"], environment: ["FLOWKIT_THREADS": "1"])
        #expect(uninterrupted.status == 0, "\(uninterrupted.stderr)")
        let tensors = "checkpoints/step-00000004.safetensors"
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(run)/\(tensors)")) == Data(contentsOf: URL(fileURLWithPath: "\(straight)/\(tensors)")))
    }

    @Test func aDifferentFingerprintIsReportedInOneLineOrRefusedWhenStrict() throws {
        let (run, config, url) = try Self.halfTrainedRun("different")
        try Self.rewriteNumerics(url) { numerics in
            var numerics = numerics
            numerics["blasKernels"] = "Prescott"
            return numerics
        }
        let strict = try CLITests.run(["train", config, "--run-dir", run, "--resume", "--strict-numerics", "--steps", "4"])
        #expect(strict.status != 0)
        #expect(strict.stderr.contains("--strict-numerics") && strict.stderr.contains("BLAS kernels: Prescott → "), "\(strict.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(run)/checkpoints/step-00000004.json"), "a refused resume must not train")

        let lenient = try CLITests.run(["train", config, "--run-dir", run, "--resume", "--steps", "4"])
        #expect(lenient.status == 0, "\(lenient.stderr)")
        let lines = Self.numericsLines(lenient.stderr)
        #expect(lines.count == 1, "\(lenient.stderr)")
        #expect(lines.first?.contains("BLAS kernels: Prescott → ") == true && lines.first?.contains("not bit-identical") == true, "\(lines)")
        // The run continued to its end, and its new checkpoint records this machine's numerics.
        let final = URL(fileURLWithPath: "\(run)/checkpoints/step-00000004.json")
        let numerics = try #require((try Self.manifest(final)["metadata"] as? [String: Any])?["numerics"] as? [String: Any])
        #expect(numerics["blasKernels"] as? String != "Prescott")
    }

    /// OpenBLAS's kernel family is a real difference between hosts: picked here by
    /// `OPENBLAS_CORETYPE` on the resume (Haswell's kernels run on any AVX2 machine).
    @Test(.enabled(if: Self.hasAVX2)) func anotherBLASKernelFamilyIsNoticed() throws {
        let (run, config, url) = try Self.halfTrainedRun("coretype")
        let recorded = try #require(((try Self.manifest(url)["metadata"] as? [String: Any])?["numerics"] as? [String: Any])?["blasKernels"] as? String)
        let other = recorded.lowercased() == "haswell" ? "Sandybridge" : "Haswell"
        let resumed = try CLITests.run(["train", config, "--run-dir", run, "--resume", "--steps", "4"], environment: ["OPENBLAS_CORETYPE": other])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(Self.numericsLines(resumed.stderr).count == 1 && resumed.stderr.contains("BLAS kernels: \(recorded) → \(other)"), "\(resumed.stderr)")
    }

    static let hasAVX2: Bool = {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return false }
        return text.split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").contains("avx2") == true
    }()

    @Test func aCheckpointWithoutAFingerprintResumesWithANoteButNotWhenStrict() throws {
        let (run, config, url) = try Self.halfTrainedRun("old")
        try Self.rewriteNumerics(url) { _ in nil }
        #expect((try Self.manifest(url)["metadata"] as? [String: Any])?["numerics"] == nil)
        let strict = try CLITests.run(["train", config, "--run-dir", run, "--resume", "--strict-numerics", "--steps", "4"])
        #expect(strict.status != 0)
        #expect(strict.stderr.contains("records no numerics fingerprint") && strict.stderr.contains("without --strict-numerics"), "\(strict.stderr)")

        let lenient = try CLITests.run(["train", config, "--run-dir", run, "--resume", "--steps", "4"])
        #expect(lenient.status == 0, "\(lenient.stderr)")
        let lines = Self.numericsLines(lenient.stderr)
        #expect(lines.count == 1 && lines.first?.contains("records no numerics fingerprint") == true, "\(lenient.stderr)")
        #expect(FileManager.default.fileExists(atPath: "\(run)/checkpoints/step-00000004.json"))
    }

    @Test(
        arguments: [
            (["--threads", "0"], [:], "--threads must be in 1...1024, got 0"),
            (["--threads", "5000"], [:], "--threads must be in 1...1024, got 5000"),
            ([], ["FLOWKIT_THREADS": "two"], "FLOWKIT_THREADS must be a whole number in 1...1024, got 'two'"),
            ([], ["FLOWKIT_THREADS": "0"], "FLOWKIT_THREADS must be a whole number in 1...1024, got '0'"),
        ] as [([String], [String: String?], String)])
    func badThreadCountsAreRefused(arguments: [String], environment: [String: String?], message: String) throws {
        try FileManager.default.createDirectory(at: Self.folder, withIntermediateDirectories: true)
        let run = Self.folder.appendingPathComponent("refused-\(UUID().uuidString)").path
        let outcome = try CLITests.run(["train", "--run-dir", run, "--steps", "1"] + arguments, environment: environment)
        #expect(outcome.status != 0)
        #expect(outcome.stderr.contains(message), "\(outcome.stderr)")
        #expect(!FileManager.default.fileExists(atPath: run), "nothing is written on a refused thread count")
    }

    /// Every computing command honours FLOWKIT_THREADS (they all start the same pool).
    @Test func theThreadCountReachesTheDevice() throws {
        for threads in [1, 5] {
            let outcome = try CLITests.run(["devices", "--json"], environment: ["FLOWKIT_THREADS": "\(threads)"])
            #expect(outcome.status == 0, "\(outcome.stderr)")
            #expect(outcome.stdout.contains("kernels, \(threads) threads"), "\(outcome.stdout)")
        }
        let refused = try CLITests.run(["devices"], environment: ["FLOWKIT_THREADS": "-1"])
        #expect(refused.status != 0 && refused.stderr.contains("FLOWKIT_THREADS"), "\(refused.stderr)")
    }
}
