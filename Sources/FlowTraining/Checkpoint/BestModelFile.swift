import FlowLayers
import Foundation

/// `best.json`: which step the best model comes from, and the size and CRC-32 of
/// `best.safetensors`, so a reader can tell a consistent pair from a torn or corrupt one.
public struct BestManifest: Codable, Sendable {
    public var step: Int
    public var validationNLL: Double
    public var modelState: [String: TransformStateValue]
    /// Absent in runs written before the checksum was recorded (then the pair is trusted).
    public var tensorsCRC32: UInt32?
    public var tensorsBytes: Int?

    /// Decodes `best.json` and checks what a reader acts on: the manifest is not covered by the
    /// checksum, so a crafted one must be an error, not a negative step or size.
    public static func decode(_ data: Data) throws -> BestManifest {
        let manifest: BestManifest
        do {
            manifest = try JSONDecoder().decode(BestManifest.self, from: data)
        } catch let error as DecodingError {
            let keys: Set<String> = ["step", "tensorsCRC32", "tensorsBytes", "seed", "counter"]
            throw CheckpointManifest.Invalid(message: "best.json: \(CheckpointManifest.describe(error, in: data, integerKeys: keys))")
        }
        guard (0...ConfigLimits.steps.upperBound).contains(manifest.step) else {
            throw CheckpointManifest.Invalid(message: "best.json: 'step' \(manifest.step) is outside 0...\(ConfigLimits.steps.upperBound)")
        }
        guard manifest.validationNLL.isFinite else {
            throw CheckpointManifest.Invalid(message: "best.json: 'validationNLL' \(manifest.validationNLL) is not finite")
        }
        if let bytes = manifest.tensorsBytes, bytes < 0 {
            throw CheckpointManifest.Invalid(message: "best.json: 'tensorsBytes' is negative (\(bytes))")
        }
        return manifest
    }
}

/// The run's best model: `best.safetensors` written first, `best.json` (with the tensors'
/// checksum) last, each atomically. A reader that meets a new tensor file with the old manifest
/// (a writer between its two renames) sees a checksum mismatch and reads again; a corrupt file
/// is reported by name and skipped, and the caller falls back to the newest checkpoint.
public enum BestModelFile {
    public static func write(_ run: RunDirectory, tensors: Data, step: Int, validationNLL: Double, modelState: [String: TransformStateValue]) throws {
        try AtomicFile.write(tensors, to: run.bestModel)
        let manifest = BestManifest(
            step: step, validationNLL: validationNLL, modelState: modelState, tensorsCRC32: CRC32.checksum(tensors), tensorsBytes: tensors.count)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(encoder.encode(manifest), to: run.bestManifest)
    }

    /// The best model's tensors and manifest, or nil (after a warning naming the file) when
    /// there is none or it is unusable.
    public static func read(_ run: RunDirectory, warn: (String) -> Void) -> (tensors: [String: SafeTensors.Entry], manifest: BestManifest)? {
        guard FileManager.default.fileExists(atPath: run.bestManifest.path) else { return nil }
        var problem = ""
        // A few attempts: a training run may replace the pair between our two reads.
        for attempt in 0..<5 {
            if attempt > 0 { usleep(20_000) }
            do {
                let manifest = try BestManifest.decode(FileAccess.read(run.bestManifest.path, what: "best-model manifest"))
                let data = try FileAccess.read(run.bestModel.path, what: "best model")
                if let crc = manifest.tensorsCRC32, let bytes = manifest.tensorsBytes, crc != CRC32.checksum(data) || bytes != data.count {
                    problem = "its checksum does not match best.json (\(data.count) of \(bytes) bytes): corrupt or truncated"
                    continue
                }
                return (try SafeTensors.decode(data).tensors, manifest)
            } catch {
                problem = ErrorText.describe(error)
            }
        }
        warn("warning: the best model \(run.bestModel.path) is unusable (\(problem)); using the newest checkpoint instead")
        return nil
    }
}
