import FlowLayers
import FlowRuntime

/// A trained model that concurrent requests share. A `Flow` is not safe to use from two threads
/// at once (MADE caches its degree-ordered weights, dequantization advances a noise stream), so
/// the flow lives inside this actor and never leaves it: requests on one model run one after
/// another, requests on different models (and the devices, which lock their own queues) run in
/// parallel. Every answer depends only on the request (data, or seed and temperature), never on
/// which requests came before, so concurrent answers equal serial ones.
public actor InferenceModel {
    /// Which model was loaded ("best model (step 400)"), and the identity it was loaded at.
    public nonisolated let source: String
    public nonisolated let identity: ModelIdentity
    public nonisolated let eventShape: [Int]
    public nonisolated let isImage: Bool
    public nonisolated let levels: Int?
    private let model: TrainedModel
    private let device: any Device

    public init(run: RunDirectory, device: any Device, warn: @Sendable (String) -> Void) throws {
        identity = ModelIdentity(run)
        let model = try TrainedModel.load(run: run, device: device, warn: warn)
        source = model.source
        eventShape = model.data.source.eventShape
        isImage = model.data.isImage
        levels = model.data.levels
        self.model = model
        self.device = device
    }

    /// Parses a data file's bytes in the model's input format and checks it against the model.
    public func logProbabilities(file path: String) throws -> [Float] {
        try model.logProbabilities(model.readData(path), on: device)
    }

    /// Parsed data (e.g. a CSV request body), checked against the model's input shape.
    public func logProbabilities(_ data: ArrayData, name: String) throws -> [Float] {
        let reference = ArrayData(shape: [1] + eventShape, values: [])
        return try model.logProbabilities(DataLoader.checked(data, like: reference, file: name, isImage: isImage, levels: levels), on: device)
    }

    /// Rows of `eventShape` values, already parsed (e.g. from JSON), checked against the model.
    public func logProbabilities(rows: [[Float]], name: String) throws -> [Float] {
        let width = eventShape.reduce(1, *)
        for (index, row) in rows.enumerated() {
            guard row.count == width else { throw DataError(file: name, "row \(index + 1) has \(row.count) values, the model expects \(width)") }
            // A JSON number beyond Float's range arrives here as ±inf.
            if let column = row.firstIndex(where: { !$0.isFinite }) {
                throw DataError(file: name, "row \(index + 1), column \(column + 1): value \(row[column]) is not a finite Float")
            }
        }
        return try logProbabilities(ArrayData(shape: [rows.count] + eventShape, values: rows.flatMap { $0 }), name: name)
    }

    public func samples(_ count: Int, seed: UInt64, temperature: Float) throws -> [Float] {
        try model.samples(count, seed: seed, temperature: temperature, on: device)
    }
}

/// What a run's evaluation model currently is: the best model's step and checksum, else the
/// newest checkpoint's step. A cached `InferenceModel` is reused only while this is unchanged,
/// so a request never answers from a model the run has since replaced.
public struct ModelIdentity: Hashable, Sendable {
    public let best: String?
    public let checkpoint: Int?

    public init(_ run: RunDirectory) {
        if let bytes = try? FileAccess.read(run.bestManifest.path), let text = String(validating: bytes, as: UTF8.self) {
            best = text
        } else {
            best = nil
        }
        checkpoint = CheckpointStore(runDirectory: run.url, keep: 1).steps().first
    }
}
