import FlowLayers
import FlowRuntime

extension TrainedModel {
    /// Log-densities of `data` (in the data's units), the same numbers as `flowkit logprob`: image
    /// models dequantize with a fixed noise stream from the run's seed, so repeated calls agree; a
    /// VAE gives its importance-weighted estimate with the model's `importanceSamples` draws.
    public func logProbabilities(_ data: ArrayData, on device: any Device) throws -> [Float] {
        try Evaluator.logProbabilities(flow, data: data, batchSize: 1024, seed: config.train.seed, on: device)
    }

    /// `count` samples `[count, eventShape…]` from the stream of `seed`, flattened, the same
    /// numbers as `flowkit sample`; image samples are quantized to the data's integer levels.
    public func samples(_ count: Int, seed: UInt64, temperature: Float, on device: any Device) throws -> [Float] {
        var stream = RandomStream(seed: seed)
        var samples = try flow.sample(count, random: &stream, temperature: temperature, on: device)
        if let quantizer = flow.chain.transforms.first as? any QuantizingTransform {
            samples = try quantizer.quantize(samples)
        }
        return try samples.toArray()
    }
}
