import FlowLayers
import FlowRuntime
import Foundation

/// Log-likelihood of held-out data under a model, in batches.
public enum Evaluator {
    public struct Result: Equatable, Sendable {
        /// Mean negative log-likelihood in nats per example.
        public var nll: Double
        /// For images: bits per dimension of the discrete data (dequantization log-det included).
        public var bitsPerDim: Double?
        public var count: Int
        /// Examples whose log-density is not finite (then `nll` is not finite either).
        public var nonFinite: Int = 0
    }

    /// Per-example log-densities of `data`. For image models the dequantization noise comes from
    /// a fixed stream (so evaluation is reproducible) and the training stream is left untouched.
    public static func logProbabilities(_ flow: Flow, data: ArrayData, batchSize: Int, seed: UInt64, on device: any Device) throws -> [Float] {
        let dequantizers = flow.chain.transforms.compactMap { $0 as? any Dequantizer }
        let saved = dequantizers.map(\.noise)
        for (index, dequantizer) in dequantizers.enumerated() { dequantizer.noise = RandomStream(seed: seed).derived(900 + UInt64(index)) }
        defer { for (dequantizer, stream) in zip(dequantizers, saved) { dequantizer.noise = stream } }
        var result: [Float] = []
        result.reserveCapacity(data.count)
        let width = data.exampleSize
        var start = 0
        while start < data.count {
            let end = min(data.count, start + batchSize)
            let batch = try Tensor(Array(data.values[(start * width)..<(end * width)]), shape: [end - start] + data.shape.dropFirst(), on: device)
            result += try flow.logProb(batch).toArray()
            start = end
        }
        return result
    }

    public static func evaluate(_ flow: Flow, data: ArrayData, isImage: Bool, batchSize: Int, seed: UInt64, on device: any Device) throws -> Result {
        let logProb = try logProbabilities(flow, data: data, batchSize: batchSize, seed: seed, on: device)
        let nll = -logProb.reduce(0.0) { $0 + Double($1) } / Double(max(1, logProb.count))
        return Result(
            nll: nll, bitsPerDim: isImage ? FlowLayers.bitsPerDim(nll: nll, dimensions: data.exampleSize) : nil, count: logProb.count,
            nonFinite: logProb.count { !$0.isFinite })
    }
}
