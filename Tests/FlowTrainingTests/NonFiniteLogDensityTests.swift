import FlowLayers
import FlowRuntime
import FlowTestSupport
import Foundation
import Testing

@testable import FlowTraining

/// Issue 25 §1: for every model kind, a finite input gets a finite log-density or −inf, never NaN.
/// Each model, untrained (as training's first step finds it, ActNorm initialised from data) and
/// trained for a few dozen steps, scores ordinary held-out points (which must stay finite) and
/// points at 10, 100 and 10⁶ data radii and at ±FLT_MAX/2, through the evaluator the CLI and the
/// service use, on the CPU and on every OpenCL device; the trained model gives the same finite /
/// −inf answer on every device. Image models score images whose values are no levels: −inf.
@Suite(.serialized) struct NonFiniteLogDensityTests {
    /// A model config (data and model sections) to score.
    struct ModelCase: CustomStringConvertible, Sendable {
        let name: String
        let data: String
        let model: String
        var description: String { name }
        var isImage: Bool { data.contains("digits") }
    }

    static let banana = #"{"kind": "toy", "name": "banana", "evaluationSize": 256}"#
    static let digits = #"{"kind": "digits"}"#
    /// `FOLDER` becomes the folder `DataFiles.write` fills.
    static let ring = #"{"kind": "csv", "train": "FOLDER/ring.csv", "validation": "FOLDER/ring-validation.csv", "test": "FOLDER/ring-validation.csv"}"#
    static let binary = #"{"kind": "csv", "train": "FOLDER/binary.csv", "standardize": false}"#

    static let cases: [ModelCase] = [
        ModelCase(name: "realnvp", data: banana, model: #"{"kind": "realnvp", "layers": 4, "hidden": 16}"#),
        ModelCase(name: "nice", data: banana, model: #"{"kind": "nice", "layers": 4, "hidden": 16}"#),
        ModelCase(name: "maf unbounded", data: banana, model: #"{"kind": "maf", "layers": 3, "hidden": 16, "logScale": "unbounded"}"#),
        ModelCase(name: "maf tanh", data: banana, model: #"{"kind": "maf", "layers": 3, "hidden": 16, "logScale": "tanh"}"#),
        ModelCase(name: "maf unbounded, standardised csv", data: ring, model: #"{"kind": "maf", "layers": 3, "hidden": 16, "logScale": "unbounded"}"#),
        ModelCase(name: "iaf unbounded", data: banana, model: #"{"kind": "iaf", "layers": 2, "hidden": 16, "logScale": "unbounded"}"#),
        ModelCase(name: "iaf tanh", data: banana, model: #"{"kind": "iaf", "layers": 2, "hidden": 16, "logScale": "tanh"}"#),
        ModelCase(name: "nsf", data: banana, model: #"{"kind": "nsf", "layers": 2, "hidden": 16}"#),
        ModelCase(name: "nsf affine", data: banana, model: #"{"kind": "nsf", "layers": 2, "hidden": 16, "affine": true}"#),
        ModelCase(name: "nsf-ar", data: banana, model: #"{"kind": "nsf-ar", "layers": 2, "hidden": 16}"#),
        ModelCase(name: "vae gaussian", data: banana, model: #"{"kind": "vae", "latent": 2, "hidden": 16, "importanceSamples": 4}"#),
        ModelCase(
            name: "vae iaf posterior, maf prior", data: banana,
            model: #"{"kind": "vae", "latent": 2, "hidden": 16, "posterior": "iaf", "prior": "maf", "layers": 2, "importanceSamples": 4}"#),
        ModelCase(
            name: "vae realnvp prior", data: banana,
            model: #"{"kind": "vae", "latent": 2, "hidden": 16, "prior": "realnvp", "layers": 2, "importanceSamples": 4}"#),
        ModelCase(name: "vae bernoulli", data: binary, model: #"{"kind": "vae", "latent": 2, "hidden": 16, "decoder": "bernoulli", "importanceSamples": 4}"#),
        ModelCase(name: "glow", data: digits, model: #"{"kind": "glow", "levels": 2, "steps": 2, "hidden": 16}"#),
        ModelCase(
            name: "glow, logit preprocessing", data: #"{"kind": "digits", "logitAlpha": 0.05}"#,
            model: #"{"kind": "glow", "levels": 2, "steps": 2, "hidden": 16}"#),
        ModelCase(
            name: "glow, variational dequantization", data: digits,
            model: #"{"kind": "glow", "levels": 2, "steps": 1, "hidden": 8, "dequantization": "variational", "dequantizerSteps": 1, "components": 2}"#),
        ModelCase(name: "flowpp", data: digits, model: #"{"kind": "flowpp", "levels": 2, "steps": 1, "hidden": 8, "components": 2}"#),
        ModelCase(name: "realnvp images", data: digits, model: #"{"kind": "realnvp", "levels": 2, "hidden": 8}"#),
        ModelCase(name: "vae logistic images", data: digits, model: #"{"kind": "vae", "latent": 4, "hidden": 16, "hiddenLayers": 1, "importanceSamples": 4}"#),
    ]

    /// The CSV data some cases train on: a ring of radius 2.5 and 6-bit binary vectors.
    enum DataFiles {
        static func write(to folder: URL) throws {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let cpu = try DeviceRegistry.device(named: "cpu")
            var random = RandomStream(seed: 2525)
            for (name, count) in [("ring.csv", 2000), ("ring-validation.csv", 300)] {
                try RingData.csv(count: count, random: &random, on: cpu).write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
            }
            let bits = try random.next([400, 6], .uniform, on: cpu).toArray().map { $0 < 0.3 ? "1" : "0" }
            let rows = stride(from: 0, to: bits.count, by: 6).map { bits[$0..<($0 + 6)].joined(separator: ",") }
            try (rows.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("binary.csv"), atomically: true, encoding: .utf8)
        }
    }

    static func config(_ testCase: ModelCase, folder: URL, steps: Int) throws -> TrainingConfig {
        let text =
            #"{"data": "# + testCase.data.replacingOccurrences(of: "FOLDER", with: folder.path) + #", "model": "# + testCase.model
            + #", "train": {"steps": \#(steps), "batchSize": 64, "learningRate": 0.003, "checkpointEvery": \#(steps), "evalEvery": 100000, "logEvery": 100000, "seed": 5}}"#
        return try TrainerTests.config(text)
    }

    /// The points to score: ordinary held-out examples first (`ordinary` of them), then the far ones.
    static func points(_ data: LoadedData) throws -> (points: ArrayData, ordinary: Int) {
        let test = data.source.test
        let width = test.exampleSize
        let ordinary = min(8, test.count)
        var values = Array(test.values[0..<(ordinary * width)])
        let half = Float.greatestFiniteMagnitude / 2
        if data.isImage {
            // Values no level takes: far beyond the top level, negative, huge.
            let top = Float((data.levels ?? 256) - 1)
            for value in [10 * top, 100 * top, 1e6 * top, half, -half, -1] { values += Array(repeating: value, count: width) }
            var onePixel = Array(test.values[0..<width])
            onePixel[width / 2] = top + 1
            values += onePixel
        } else {
            // The data radius: the largest norm among the held-out examples.
            let norms = (0..<test.count).map { row in
                test.values[(row * width)..<((row + 1) * width)].reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            }
            let radius = norms.max() ?? 1
            var directions: [[Float]] = [[Float](repeating: 1 / Float(width).squareRoot(), count: width)]
            for axis in 0..<min(width, 2) {
                for sign: Float in [1, -1] { directions.append((0..<width).map { $0 == axis ? sign : 0 }) }
            }
            directions.append((0..<width).map { $0 % 2 == 0 ? 0.6 : -0.8 })
            for scale: Float in [10, 100, 1e6] {
                for direction in directions { values += direction.map { $0 * radius * scale } }
            }
            for pattern in [[half], [-half], [half, -half], [half, 0], [0, -half]] {
                values += (0..<width).map { pattern[$0 % pattern.count] }
            }
        }
        return (ArrayData(shape: [values.count / width] + test.shape.dropFirst(), values: values), ordinary)
    }

    /// The evaluator's answers (what `flowkit logprob`, `eval` and the service return), checked.
    static func score(_ flow: Flow, _ data: LoadedData, on device: any Device, _ what: String) throws -> [Float] {
        let (points, ordinary) = try points(data)
        let answers = try Evaluator.logProbabilities(flow, data: points, batchSize: 1024, seed: 5, on: device)
        let nan = answers.indices.filter { answers[$0].isNaN }
        #expect(nan.isEmpty, "\(what): NaN at points \(nan) of \(answers.count): \(answers)")
        let bad = answers.indices.filter { !(answers[$0].isFinite || answers[$0] == -.infinity) }
        #expect(bad.isEmpty, "\(what): neither finite nor −inf at \(bad): \(answers)")
        let lost = (0..<ordinary).filter { !answers[$0].isFinite }
        #expect(lost.isEmpty, "\(what): ordinary held-out examples \(lost) not finite: \(answers)")
        if data.isImage {
            let counted = answers[ordinary...].filter { $0 != -.infinity }
            #expect(counted.isEmpty, "\(what): values outside the levels must be −inf: \(answers)")
        }
        return answers
    }

    @Test(arguments: cases)
    func everyAnswerIsFiniteOrMinusInfinity(_ testCase: ModelCase) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flowkit-nonfinite-\(UUID().uuidString)")
        let run = TrainerTests.temporaryRun()
        defer {
            try? FileManager.default.removeItem(at: folder)
            try? FileManager.default.removeItem(at: run.url)
        }
        try DataFiles.write(to: folder)
        let steps = 40
        let config = try Self.config(testCase, folder: folder, steps: steps)
        let data = try DataLoader.load(config.data, seed: config.train.seed)
        let devices = TestDevices.all.map(\.device)

        for device in devices {
            let flow = try ModelBuilder.build(config, data: data, seed: config.train.seed, on: device)
            // What training's first step does: ActNorm initialises from a batch of data.
            let first = data.source.test
            let width = first.exampleSize
            _ = try flow.logProb(Tensor(Array(first.values[0..<(16 * width)]), shape: [16] + first.shape.dropFirst(), on: device))
            _ = try Self.score(flow, data, on: device, "\(testCase) untrained on \(device.info.selector)")
        }

        _ = try Trainer(config: config, run: run, device: DeviceRegistry.device(named: "cpu"), options: TrainerTests.quiet).train()
        var classes: [String: [Bool]] = [:]
        for device in devices {
            let model = try TrainedModel.load(run: run, device: device) { _ in }
            #expect(model.step == steps)
            let answers = try Self.score(model.flow, model.data, on: device, "\(testCase) trained on \(device.info.selector)")
            classes[device.info.selector] = answers.map(\.isFinite)
        }
        // One answer on every device: the same points are −inf everywhere.
        let reference = classes["cpu"]
        for (selector, finite) in classes { #expect(finite == reference, "\(testCase): \(selector) and cpu disagree on which points are −inf") }
    }
}
