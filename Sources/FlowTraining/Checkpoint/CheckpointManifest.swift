import FlowRuntime
import Foundation

/// `checkpoints/step-NNNNNNNN.json`: a checkpoint's metadata, the name of its tensor file and
/// that file's size and CRC-32. The manifest is not covered by the checksum, so reading one
/// checks every value the run would act on: a crafted or corrupt manifest is an error, never a
/// path outside the checkpoints folder, a negative position or a step that is not its own.
public struct CheckpointManifest: Codable, Equatable, Sendable {
    public var metadata: CheckpointMetadata
    public var tensorsFile: String
    public var crc32: UInt32
    public var bytes: Int

    public init(metadata: CheckpointMetadata, tensorsFile: String, crc32: UInt32, bytes: Int) {
        self.metadata = metadata
        self.tensorsFile = tensorsFile
        self.crc32 = crc32
        self.bytes = bytes
    }

    /// The file stem of the checkpoint taken after `step` steps.
    public static func stem(step: Int) -> String { String(format: "step-%08ld", step) }

    /// A checkpoint's manifest a run can use, or an error naming the key and the value.
    public struct Invalid: Error, CustomStringConvertible {
        public let message: String
        public var description: String { "checkpoint manifest: \(message)" }
    }

    /// Decodes the manifest found as `stem(step:).json` and checks it: its format, that it
    /// names its own step and the tensor file beside it, and that every count is in range.
    public static func decode(_ data: Data, step: Int) throws -> CheckpointManifest {
        let manifest: CheckpointManifest
        do {
            manifest = try JSONDecoder().decode(CheckpointManifest.self, from: data)
        } catch let error as DecodingError {
            throw Invalid(message: describe(error, in: data, integerKeys: integerKeys))
        }
        try manifest.check(step: step)
        return manifest
    }

    /// The keys whose values decode as integers (`Int`, `UInt32`, `UInt64`).
    static let integerKeys: Set<String> = [
        "bytes", "crc32", "format", "step", "dataEpoch", "dataOffset", "nonFiniteStreak", "bestStep", "stepsWithoutImprovement",
        "seed", "counter",
    ]

    /// A decoding failure in words. Foundation's decoder reports a number that does not fit its
    /// integer (`1e30`, `2.5`, `-1` for a UInt64) as "not valid JSON" without a key, so such
    /// numbers are looked for here, by key, and named with their value.
    static func describe(_ error: DecodingError, in data: Data, integerKeys: Set<String>) -> String {
        guard case .dataCorrupted(let context) = error, context.codingPath.isEmpty else { return ErrorText.describe(error) }
        let value: JSONValue
        do {
            value = try StrictJSON.parse(data)
        } catch {
            return "not valid JSON: \(error)"
        }
        func search(_ value: JSONValue, _ path: String, _ key: String?) -> String? {
            switch value {
            case let .object(members):
                return members.sorted { $0.key < $1.key }.lazy.compactMap { search($0.value, path.isEmpty ? $0.key : "\(path).\($0.key)", $0.key) }.first
            case let .array(elements):
                return elements.enumerated().lazy.compactMap { search($0.element, "\(path)[\($0.offset)]", nil) }.first
            case let .number(number):
                guard let key, integerKeys.contains(key) else { return nil }
                // Checksums and random-stream positions are unsigned 64-bit; the rest are Ints.
                let unsigned = ["crc32", "tensorsCRC32", "seed", "counter"].contains(key)
                let fits = number == number.rounded() && (unsigned ? number >= 0 && number < 0x1p64 : number >= -0x1p63 && number < 0x1p63)
                return fits ? nil : "'\(path)' is not an integer in range: \(value.summary)"
            default:
                return nil
            }
        }
        return search(value, "", nil) ?? ErrorText.describe(error)
    }

    func check(step: Int) throws {
        let metadata = self.metadata
        guard metadata.format == CheckpointMetadata.currentFormat else {
            throw Invalid(message: "format \(metadata.format) is not \(CheckpointMetadata.currentFormat)")
        }
        guard metadata.step == step else {
            throw Invalid(message: "'metadata.step' is \(metadata.step), the file name says \(step)")
        }
        guard (0...ConfigLimits.steps.upperBound).contains(step) else {
            throw Invalid(message: "'metadata.step' \(step) is outside 0...\(ConfigLimits.steps.upperBound)")
        }
        // Only the exact name the writer uses: no folder part, no '..', so the tensor file read
        // is always the one beside the manifest in the checkpoints folder.
        let expected = "\(CheckpointManifest.stem(step: step)).safetensors"
        guard tensorsFile == expected else {
            throw Invalid(message: "'tensorsFile' is \"\(tensorsFile)\", expected \"\(expected)\" (the tensor file beside the manifest)")
        }
        // Upper bounds too: the run adds to these counters, and an Int near its maximum would
        // trap on the next step. A run reads at most steps × batch examples, so that bounds the
        // epoch and (with the largest data set a shape allows) the offset in it.
        let examples = ConfigLimits.steps.upperBound * ConfigLimits.batchSize.upperBound
        let counts: [(key: String, value: Int, limit: Int)] = [
            ("bytes", bytes, Int.max), ("metadata.dataEpoch", metadata.dataEpoch, examples),
            ("metadata.dataOffset", metadata.dataOffset, CheckedShape.defaultElementLimit),
            ("metadata.nonFiniteStreak", metadata.nonFiniteStreak, ConfigLimits.patience.upperBound),
            ("metadata.stepsWithoutImprovement", metadata.stepsWithoutImprovement, ConfigLimits.steps.upperBound),
        ]
        for count in counts {
            guard count.value >= 0 else { throw Invalid(message: "'\(count.key)' is negative (\(count.value))") }
            guard count.value <= count.limit else { throw Invalid(message: "'\(count.key)' \(count.value) is over \(count.limit)") }
        }
        guard metadata.learningRateFactor.isFinite, (0...1).contains(metadata.learningRateFactor) else {
            throw Invalid(message: "'metadata.learningRateFactor' \(metadata.learningRateFactor) is outside 0...1")
        }
        if let best = metadata.bestValidation, !best.isFinite {
            throw Invalid(message: "'metadata.bestValidation' \(best) is not finite")
        }
        if let bestStep = metadata.bestStep, !(0...step).contains(bestStep) {
            throw Invalid(message: "'metadata.bestStep' \(bestStep) is outside 0...\(step)")
        }
    }
}
