import Foundation
import Testing

/// The CPU backend computes the same bits on any number of threads (`FLOWKIT_THREADS`): every
/// model kind trained for a few steps, then its log-densities and samples, and the benchmark
/// workloads W1–W5 (their exported weights and log-densities after a few training steps), with
/// 1, 2, 3 and 7 threads. 7 is more threads than this machine's cores on purpose: a chunking that
/// follows the thread count would cut the work differently for each of these.
@Suite struct ThreadCountCLITests {
    static let threadCounts = [1, 2, 3, 7]
    static let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flowkit-threads-\(UUID().uuidString)")

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let config: String
        /// CSV for vector data; NPY for images (the format `logprob` reads them back in).
        let samples: String
        var testDescription: String { name }
    }

    /// Each kind at a size where the products are large enough to be cut into parts (batches of
    /// 256–512 rows, hidden widths of 64–128) but small enough for a few quick steps. Three steps:
    /// the third's update depends on Adam's moments from the first two.
    static func train(_ data: String, _ model: String, batch: Int) -> String {
        """
        {"data": \(data), "model": \(model),
         "train": {"steps": 3, "batchSize": \(batch), "checkpointEvery": 3, "evalEvery": 3, "logEvery": 1, "seed": 7}}
        """
    }

    static let toy = #"{"kind": "toy", "name": "banana", "evaluationSize": 600}"#
    static let digits = #"{"kind": "digits"}"#

    static let cases: [Case] = [
        Case(name: "realnvp", config: train(toy, #"{"kind": "realnvp", "layers": 4, "hidden": 128}"#, batch: 512), samples: "csv"),
        Case(name: "nice", config: train(toy, #"{"kind": "nice", "layers": 4, "hidden": 128}"#, batch: 512), samples: "csv"),
        Case(name: "maf", config: train(toy, #"{"kind": "maf", "layers": 3, "hidden": 128}"#, batch: 512), samples: "csv"),
        Case(name: "iaf", config: train(toy, #"{"kind": "iaf", "layers": 3, "hidden": 128}"#, batch: 512), samples: "csv"),
        Case(name: "nsf", config: train(toy, #"{"kind": "nsf", "layers": 2, "hidden": 128, "affine": true}"#, batch: 512), samples: "csv"),
        Case(name: "nsf-ar", config: train(toy, #"{"kind": "nsf-ar", "layers": 2, "hidden": 128}"#, batch: 512), samples: "csv"),
        Case(
            name: "vae (vector data, MAF prior)",
            config: train(toy, #"{"kind": "vae", "latent": 2, "hidden": 128, "prior": "maf", "layers": 2, "importanceSamples": 4}"#, batch: 512),
            samples: "csv"),
        Case(name: "glow", config: train(digits, #"{"kind": "glow", "levels": 2, "steps": 2, "hidden": 32}"#, batch: 64), samples: "npy"),
        Case(name: "realnvp (images)", config: train(digits, #"{"kind": "realnvp", "levels": 2, "steps": 2, "hidden": 32}"#, batch: 64), samples: "npy"),
        Case(
            name: "flowpp (variational dequantization)",
            config: train(
                digits, #"{"kind": "flowpp", "levels": 2, "steps": 1, "hidden": 16, "components": 2, "dequantization": "variational", "dequantizerSteps": 1}"#,
                batch: 64),
            samples: "npy"),
        Case(
            name: "vae (images, IAF posterior, RealNVP prior)",
            config: train(
                digits,
                #"{"kind": "vae", "latent": 8, "hidden": 128, "posterior": "iaf", "posteriorBlocks": 2, "prior": "realnvp", "layers": 2, "importanceSamples": 4}"#,
                batch: 256),
            samples: "npy"),
    ]

    /// What one run produced: the final checkpoint's tensors (parameters and Adam's moments), its
    /// samples and the log-densities of the reference run's samples.
    struct Outputs {
        var files: [(name: String, bytes: Data)]
    }

    static func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// OpenBLAS's Haswell kernels (also Zen's) round a block of output rows differently from the
    /// same rows inside a larger product, for most block sizes (measured on OpenBLAS 0.3.21), so
    /// the runs are repeated with them: the machine's own family here, SkylakeX-class, is
    /// unaffected except for small products.
    static let hasAVX2: Bool = {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return false }
        return text.split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").contains("avx2") == true
    }()

    static func environment(_ threads: Int, _ coreType: String?) -> [String: String?] {
        var variables: [String: String?] = ["FLOWKIT_THREADS": "\(threads)"]
        if let coreType { variables["OPENBLAS_CORETYPE"] = coreType }
        return variables
    }

    @Test(arguments: cases)
    func trainingLogProbAndSamplingAreTheSameOnAnyThreadCount(_ kind: Case) throws {
        try check(kind, coreType: nil)
    }

    @Test(.enabled(if: hasAVX2), arguments: cases)
    func theSameWithOpenBLASsHaswellKernels(_ kind: Case) throws {
        try check(kind, coreType: "Haswell")
    }

    @Test(arguments: ["W1", "W2", "W3", "W4", "W5"])
    func workloadsTrainToTheSameWeightsOnAnyThreadCount(_ workload: String) throws {
        try check(workload: workload, coreType: nil)
    }

    @Test(.enabled(if: hasAVX2), arguments: ["W1", "W2", "W3", "W4", "W5"])
    func workloadsTheSameWithOpenBLASsHaswellKernels(_ workload: String) throws {
        try check(workload: workload, coreType: "Haswell")
    }

    /// OpenBLAS's own threads never join in: the CPU backend pins it to one thread inside its
    /// parts, whatever `OPENBLAS_NUM_THREADS` asks for. Its threaded sgemm cuts a product by its
    /// own thread count, which moves the bits as any cut by the thread count does (checked on
    /// 2026-12-07 by preloading a no-op `openblas_set_num_threads`: W3's weights then differ
    /// between 1 and 4 OpenBLAS threads).
    @Test(arguments: [("W3", nil), ("W1", "Haswell")] as [(String, String?)])
    func openBLASsOwnThreadSettingChangesNothing(workload: String, coreType: String?) throws {
        guard coreType == nil || Self.hasAVX2 else { try Test.cancel("Haswell's kernels need AVX2") }
        var exports: [Data] = []
        for threads in ["1", "4"] {
            let directory = Self.path("openblas-\(workload)-\(threads)")
            var variables = Self.environment(2, coreType)
            variables["OPENBLAS_NUM_THREADS"] = threads
            let outcome = try CLITests.run(["bench", "--workload", workload, "--steps", "1", "--export", directory], environment: variables)
            try #require(outcome.status == 0, "\(workload), OPENBLAS_NUM_THREADS=\(threads): \(outcome.stderr)")
            exports.append(try Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(workload).safetensors")))
        }
        #expect(exports[0] == exports[1], "\(workload): OPENBLAS_NUM_THREADS changed the trained weights")
    }

    func check(_ kind: Case, coreType: String?) throws {
        try FileManager.default.createDirectory(at: Self.folder, withIntermediateDirectories: true)
        let stem = kind.name.filter { $0.isLetter || $0.isNumber } + (coreType ?? "")
        let config = Self.path("\(stem).json")
        try kind.config.write(toFile: config, atomically: true, encoding: .utf8)
        // The reference run's samples are every run's logprob input (the model's own data format).
        let input = Self.path("\(stem)-input.\(kind.samples)")
        var reference: Outputs?
        for threads in Self.threadCounts {
            let run = Self.path("\(stem)-\(threads)")
            let trained = try CLITests.run(["train", config, "--run-dir", run], environment: Self.environment(threads, coreType))
            try #require(trained.status == 0, "\(kind.name), \(threads) threads: \(trained.stderr)")
            let samples = Self.path("\(stem)-\(threads)-samples.\(kind.samples)")
            let sampled = try CLITests.run(
                ["sample", "--run-dir", run, "-n", "300", "--seed", "3", "--out", samples], environment: Self.environment(threads, coreType))
            try #require(sampled.status == 0, "\(kind.name), \(threads) threads: \(sampled.stderr)")
            if reference == nil { try FileManager.default.copyItem(atPath: samples, toPath: input) }
            let densities = Self.path("\(stem)-\(threads)-logprob.csv")
            let scored = try CLITests.run(
                ["logprob", "--run-dir", run, "--data", input, "--out", densities], environment: Self.environment(threads, coreType))
            try #require(scored.status == 0, "\(kind.name), \(threads) threads: \(scored.stderr)")
            let outputs = Outputs(files: [
                ("checkpoint", try Data(contentsOf: URL(fileURLWithPath: "\(run)/checkpoints/step-00000003.safetensors"))),
                ("samples", try Data(contentsOf: URL(fileURLWithPath: samples))),
                ("logprob", try Data(contentsOf: URL(fileURLWithPath: densities))),
            ])
            guard let reference else {
                reference = outputs
                continue
            }
            Self.compare(outputs, reference, "\(kind.name)\(coreType.map { " (\($0))" } ?? ""), \(threads) threads vs 1")
        }
    }

    /// The workloads exactly as `flowkit bench` runs them, at their full sizes (they have no small
    /// form): 5 warm-up and 3 timed training steps, then log-densities and samples; the export
    /// holds the trained weights and one batch's log-densities.
    func check(workload: String, coreType: String?) throws {
        var reference: Outputs?
        for threads in Self.threadCounts {
            let directory = Self.path("\(workload)\(coreType ?? "")-\(threads)")
            let outcome = try CLITests.run(
                ["bench", "--workload", workload, "--steps", "1", "--export", directory], environment: Self.environment(threads, coreType))
            try #require(outcome.status == 0, "\(workload), \(threads) threads: \(outcome.stderr)")
            let outputs = Outputs(files: [("export", try Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(workload).safetensors")))])
            guard let reference else {
                reference = outputs
                continue
            }
            Self.compare(outputs, reference, "\(workload)\(coreType.map { " (\($0))" } ?? ""), \(threads) threads vs 1")
        }
    }

    static func compare(_ outputs: Outputs, _ reference: Outputs, _ label: String) {
        for (file, expected) in zip(outputs.files, reference.files) {
            let (a, b) = ([UInt8](file.bytes), [UInt8](expected.bytes))
            let offset = a.indices.first { $0 >= b.count || a[$0] != b[$0] } ?? (a.count == b.count ? nil : a.count)
            #expect(offset == nil, "\(label): \(file.name) differs from byte \(offset ?? 0) on (\(a.count) vs \(b.count) bytes)")
        }
    }
}
