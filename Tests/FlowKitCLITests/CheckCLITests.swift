import Foundation
import Testing

/// `flowkit check`, run as a user would: it passes on the CPU and on OpenCL (PoCL here), its
/// JSON parses, and it fails (non-zero exit, failing rows) when results are deliberately wrong,
/// so the suite cannot silently pass everything.
@Suite(.serialized) struct CheckCLITests {
    struct Parsed {
        let passed: Bool
        let rows: [[String: Any]]
    }

    /// The JSON document's verdict and every device's rows.
    static func parse(_ stdout: String) throws -> Parsed {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])
        let devices = try #require(document["devices"] as? [[String: Any]])
        let rows = devices.flatMap { ($0["rows"] as? [[String: Any]]) ?? [] }
        return Parsed(passed: document["passed"] as? Bool ?? false, rows: rows)
    }

    static func failing(_ rows: [[String: Any]]) -> [String] {
        rows.filter { $0["status"] as? String == "fail" }.map { "\($0["op"] ?? "?") \($0["shapes"] ?? "?"): \($0["detail"] ?? "")" }
    }

    @Test func passesOnTheCPUWithEverySection() throws {
        let outcome = try CLITests.run(["check", "--device", "cpu", "--json"])
        #expect(outcome.status == 0, "stderr: \(outcome.stderr)")
        let parsed = try Self.parse(outcome.stdout)
        #expect(parsed.passed, "failing rows: \(Self.failing(parsed.rows))")
        let sections = Set(parsed.rows.compactMap { $0["section"] as? String })
        #expect(sections == ["ops", "rng", "determinism", "training"], "sections \(sections)")
        let ops = Set(parsed.rows.compactMap { ($0["op"] as? String)?.split(separator: " ").first.map(String.init) })
        for family in [
            "gemm", "gemmGroup", "gemmRowChain", "linear", "linearBackward", "conv2d", "conv1d", "coupling", "spline", "mixture", "actNorm", "prelu",
            "perSampleSum", "channelSum", "normalLogProb", "unary", "binary", "concat", "squeeze2x2", "gather",
            "permutedMatrix", "adam", "random", "train",
        ] {
            #expect(ops.contains(family), "no \(family) rows")
        }
        let trained = Set(parsed.rows.compactMap { $0["op"] as? String }.filter { $0.hasPrefix("train ") && !$0.hasSuffix("twice") })
        let presets = ["realnvp", "nice", "maf", "iaf", "nsf", "nsf-ar", "glow", "flowpp", "realnvp-image"]
        #expect(trained == Set(presets.map { "train \($0)" }), "presets trained: \(trained.sorted())")
    }

    @Test func passesOnOpenCLWithKernelBuilds() throws {
        let devices = try CLITests.run(["devices", "--json"])
        let entries = (try JSONSerialization.jsonObject(with: Data(devices.stdout.utf8)) as? [[String: Any]]) ?? []
        guard entries.contains(where: { $0["kind"] as? String == "opencl" }) else {
            // DeviceRegistryTests fails under CI when OpenCL is missing; here there is nothing to check.
            try Test.cancel("no OpenCL device: flowkit check --device opencl not run")
        }
        let outcome = try CLITests.run(["check", "--device", "opencl", "--json"])
        #expect(outcome.status == 0, "stderr: \(outcome.stderr)")
        let parsed = try Self.parse(outcome.stdout)
        #expect(parsed.passed, "failing rows: \(Self.failing(parsed.rows))")
        let built = parsed.rows.filter { ($0["op"] as? String)?.hasPrefix("build ") == true && $0["status"] as? String == "pass" }
        #expect(built.count == 11, "kernel files built: \(built.count)")
        #expect(parsed.rows.contains { $0["op"] as? String == "random uniform vs cpu" }, "the RNG is not compared with the CPU")
    }

    @Test func tableNamesEveryColumnAndPasses() throws {
        let outcome = try CLITests.run(["check", "--device", "cpu", "--only", "rng"])
        #expect(outcome.status == 0, "stderr: \(outcome.stderr)")
        for column in ["OP", "SHAPES", "MAX ABS", "MAX REL", "TOLERANCE", "PASSED"] {
            #expect(outcome.stdout.contains(column), "the table lacks \(column):\n\(outcome.stdout)")
        }
    }

    /// A perturbed op (its results moved by 1% before comparison) gives failing rows for that op
    /// only, and a non-zero exit; so does one flipped bit in a bit-identity check.
    @Test(arguments: [("gemm", "ops"), ("spline backward", "ops"), ("random uniform", "rng"), ("featureSum twice", "determinism"), ("train nice", "training")])
    func failsWhenResultsAreWrong(_ pattern: String, _ section: String) throws {
        let outcome = try CLITests.run(["check", "--device", "cpu", "--json", "--only", section, "--perturb", pattern])
        #expect(outcome.status != 0, "a perturbed run exited 0")
        let parsed = try Self.parse(outcome.stdout)
        #expect(!parsed.passed)
        let failed = parsed.rows.filter { $0["status"] as? String == "fail" }
        #expect(!failed.isEmpty, "no failing row for --perturb \(pattern)")
        #expect(failed.allSatisfy { ($0["op"] as? String)?.contains(pattern) == true }, "unrelated rows failed: \(Self.failing(parsed.rows))")
        #expect(parsed.rows.contains { $0["status"] as? String == "pass" }, "every row failed")
        let table = try CLITests.run(["check", "--device", "cpu", "--only", section, "--perturb", pattern])
        #expect(table.status != 0)
        #expect(table.stdout.contains("FAIL"), "the table shows no failure:\n\(table.stdout)")
    }

    @Test func rejectsAnUnknownSection() throws {
        let outcome = try CLITests.run(["check", "--device", "cpu", "--only", "ops,bogus"])
        #expect(outcome.status != 0)
        #expect(outcome.stderr.contains("bogus"))
    }
}
