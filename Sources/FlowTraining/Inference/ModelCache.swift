import FlowRuntime
import Foundation

/// Loaded models, so a request does not reload a checkpoint: at most `capacity` of them, the
/// least recently used evicted first. A run whose evaluation model changed since it was loaded
/// (a new best model, a newer checkpoint) is loaded again.
public actor ModelCache {
    public let capacity: Int
    private var entries: [String: InferenceModel] = [:]
    /// Keys from least to most recently used.
    private var order: [String] = []
    private let device: any Device
    private let warn: @Sendable (String) -> Void

    public init(capacity: Int, device: any Device, warn: @escaping @Sendable (String) -> Void = { _ in }) {
        self.capacity = max(1, capacity)
        self.device = device
        self.warn = warn
    }

    public func model(for run: RunDirectory) throws -> InferenceModel {
        let key = run.url.standardizedFileURL.path
        if let cached = entries[key], cached.identity == ModelIdentity(run) {
            touch(key)
            return cached
        }
        let loaded = try InferenceModel(run: run, device: device, warn: warn)
        entries[key] = loaded
        touch(key)
        while order.count > capacity, let oldest = order.first {
            order.removeFirst()
            entries[oldest] = nil
        }
        return loaded
    }

    /// How many models are loaded now.
    public var count: Int { entries.count }

    private func touch(_ key: String) {
        order.removeAll { $0 == key }
        order.append(key)
    }
}
