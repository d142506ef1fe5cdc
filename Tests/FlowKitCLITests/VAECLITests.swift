import Foundation
import Testing

/// A VAE trained, evaluated and sampled from the command line, on a small CSV of vectors
/// (Gaussian decoder): `eval` reports the importance-weighted estimate with its k and the
/// negative ELBO, deterministically, and takes `--importance-samples`.
@Suite(.serialized) struct VAECLITests {
    static let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flowkit-vae-cli-\(UUID().uuidString)")

    static func file(_ name: String, _ contents: String) throws -> String {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(name)
        try contents.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// 300 rows of three correlated features, a deterministic pattern (no randomness needed).
    static var rows: String {
        (0..<300).map { i -> String in
            let t = Double(i) / 300 * 6.283
            return String(format: "%.4f,%.4f,%.4f", sin(t), cos(t), sin(t) * cos(t) + 0.1 * Double(i % 7))
        }.joined(separator: "\n") + "\n"
    }

    static let trained: String? = {
        guard let data = try? file("vectors.csv", rows),
            let config = try? file(
                "vae.json",
                """
                {"data": {"kind": "csv", "train": "\(data)"},
                 "model": {"kind": "vae", "latent": 2, "hidden": 16, "hiddenLayers": 1, "posterior": "iaf", "posteriorBlocks": 1,
                           "prior": "maf", "layers": 1, "importanceSamples": 6},
                 "train": {"steps": 30, "batchSize": 32, "checkpointEvery": 10, "evalEvery": 15, "logEvery": 5, "seed": 2}}
                """)
        else { return nil }
        let run = folder.appendingPathComponent("run").path
        let outcome = try? CLITests.run(["train", config, "--run-dir", run])
        return outcome?.status == 0 ? run : nil
    }()

    static func eval(_ extra: [String]) throws -> [String: Any] {
        let run = try #require(trained)
        let points = try file("eval.csv", "0,1,0.1\n1,0,0.3\n-0.5,0.5,0\n")
        let outcome = try CLITests.run(["eval", "--run-dir", run, "--data", points] + extra)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any], "\(outcome.stdout)")
    }

    @Test func evalReportsTheImportanceWeightedEstimate() throws {
        let byDefault = try Self.eval([])
        #expect(byDefault["importanceSamples"] as? Int == 6 && byDefault["count"] as? Int == 3)
        let nll = try #require(byDefault["nll"] as? Double)
        let elbo = try #require(byDefault["negativeELBO"] as? Double)
        #expect(nll.isFinite && nll <= elbo, "nll \(nll), negative ELBO \(elbo)")
        // The same seed and k give the same numbers; k = 1 is the single-draw bound.
        #expect(try Self.eval([])["nll"] as? Double == nll)
        let single = try Self.eval(["--importance-samples", "1"])
        #expect(single["importanceSamples"] as? Int == 1 && single["nll"] as? Double == single["negativeELBO"] as? Double)
        let many = try Self.eval(["--importance-samples", "200"])
        #expect(try #require(many["nll"] as? Double) < nll + 0.5)
    }

    @Test func badImportanceSamplesAreRejected() throws {
        let run = try #require(Self.trained)
        let outcome = try CLITests.run(["eval", "--run-dir", run, "--data", Self.file("x.csv", "0,0,0\n"), "--importance-samples", "0"])
        #expect(outcome.status != 0 && outcome.stderr.contains("--importance-samples must be in 1...100000, got 0"), "\(outcome.stderr)")
    }

    @Test func sampleAndLogprobWork() throws {
        let run = try #require(Self.trained)
        let out = Self.folder.appendingPathComponent("samples.csv").path
        let sample = try CLITests.run(["sample", "--run-dir", run, "-n", "5", "--out", out, "--seed", "3"])
        #expect(sample.status == 0, "\(sample.stderr)")
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 5 && lines.allSatisfy { $0.split(separator: ",").count == 3 && !$0.contains("nan") })
        let logprobOut = Self.folder.appendingPathComponent("lp.csv").path
        let logprob = try CLITests.run(["logprob", "--run-dir", run, "--data", Self.file("lp.csv", "0,1,0.1\n"), "--out", logprobOut])
        #expect(logprob.status == 0, "\(logprob.stderr)")
        let values = try String(contentsOfFile: logprobOut, encoding: .utf8).split(separator: "\n")
        #expect(values.count == 2 && Double(values[1])?.isFinite == true)
    }
}
