import FlowCore
import FlowLayers
import Foundation

/// What a checkpoint records besides tensors: everything needed to continue the run exactly.
public struct CheckpointMetadata: Codable, Equatable, Sendable {
    public static let currentFormat = 1

    public var format = CheckpointMetadata.currentFormat
    /// Completed training steps.
    public var step: Int
    /// Named random streams (data sampling, dequantization noise, …) at their current position.
    public var streams: [String: StreamState]
    /// The data order position (tabular and image data: epoch and offset).
    public var dataEpoch: Int
    public var dataOffset: Int
    /// Learning-rate multiplier after non-finite steps, and the current streak of them.
    public var learningRateFactor: Double
    public var nonFiniteStreak: Int
    /// Best validation NLL so far and its step (early stopping, best model).
    public var bestValidation: Double?
    public var bestStep: Int?
    public var stepsWithoutImprovement: Int
    /// The names of the tensors that are model parameters (the rest is optimizer state and buffers).
    public var parameterNames: [String]
    /// Model state that is not a tensor (random-stream positions, initialisation flags).
    public var modelState: [String: TransformStateValue] = [:]
    /// What decided the bits of the run so far (device, BLAS kernels, kernel compiler, tuning,
    /// reduction scheme); nil in checkpoints written before flowkit recorded it.
    public var numerics: NumericsFingerprint?

    public struct StreamState: Codable, Equatable, Sendable {
        public var seed: UInt64
        public var counter: UInt64
    }
}

/// A run's checkpoints: `checkpoints/step-NNNNNNNN.safetensors` (tensors) and `.json` (metadata
/// with the CRC-32 of the tensor file). Both are written atomically, the JSON last, so a
/// checkpoint exists only once it is complete; the newest K are kept. Loading verifies the
/// checksum and falls back to the previous checkpoint, with a warning, when the newest is
/// truncated or corrupt.
public struct CheckpointStore: Sendable {
    public let directory: URL
    public let keep: Int

    public init(runDirectory: URL, keep: Int) {
        directory = runDirectory.appendingPathComponent("checkpoints")
        self.keep = keep
    }

    public func save(tensors: [String: SafeTensors.Entry], metadata: CheckpointMetadata) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let stem = CheckpointManifest.stem(step: metadata.step)
        let data = try SafeTensors.encode(tensors, metadata: ["format": "flowkit-checkpoint", "step": "\(metadata.step)"])
        try AtomicFile.write(data, to: directory.appendingPathComponent("\(stem).safetensors"))
        let manifest = CheckpointManifest(metadata: metadata, tensorsFile: "\(stem).safetensors", crc32: CRC32.checksum(data), bytes: data.count)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(encoder.encode(manifest), to: directory.appendingPathComponent("\(stem).json"))
        try prune()
    }

    /// Steps that have a manifest, newest first: only names the writer produces (digits, a
    /// step a run can reach), so a stray `step--5.json` or `step-+7.json` is not a checkpoint.
    public func steps() -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.compactMap { name -> Int? in
            guard name.hasPrefix("step-"), name.hasSuffix(".json") else { return nil }
            let digits = name.dropFirst(5).dropLast(5)
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let step = Int(digits),
                step <= ConfigLimits.steps.upperBound, name == "\(CheckpointManifest.stem(step: step)).json"
            else { return nil }
            return step
        }.sorted(by: >)
    }

    /// The newest checkpoint that reads back intact, or nil when there is none. Each skipped
    /// (corrupt or truncated) checkpoint is reported through `warn`.
    public func loadLatest(warn: (String) -> Void) -> (tensors: [String: SafeTensors.Entry], metadata: CheckpointMetadata)? {
        for step in steps() {
            let stem = CheckpointManifest.stem(step: step)
            do {
                let manifestData = try Data(contentsOf: directory.appendingPathComponent("\(stem).json"))
                let manifest = try CheckpointManifest.decode(manifestData, step: step)
                let data = try Data(contentsOf: directory.appendingPathComponent(manifest.tensorsFile))
                guard data.count == manifest.bytes, CRC32.checksum(data) == manifest.crc32 else {
                    throw SafeTensors.FormatError(message: "checksum mismatch (\(data.count) of \(manifest.bytes) bytes): corrupt or truncated")
                }
                return (try SafeTensors.decode(data).tensors, manifest.metadata)
            } catch {
                warn("warning: checkpoint \(directory.path)/\(stem) is unusable (\(ErrorText.describe(error))); falling back to the previous one")
            }
        }
        return nil
    }

    private func prune() throws {
        for step in steps().dropFirst(keep) {
            let stem = CheckpointManifest.stem(step: step)
            // Manifest first: a half-pruned checkpoint is then simply invisible.
            try? FileManager.default.removeItem(at: directory.appendingPathComponent("\(stem).json"))
            try? FileManager.default.removeItem(at: directory.appendingPathComponent("\(stem).safetensors"))
        }
    }
}
