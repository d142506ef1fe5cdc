import FlowLayers
import FlowRuntime
import Foundation

/// Log-likelihood of held-out data under a model, in batches.
///
/// Flows with stochastic transforms (a VAE layer, dequantization) have no exact log-density: one
/// forward pass gives one draw `w = log p(x, z) − log q(z|x)` whose mean is an ELBO. Evaluation
/// then combines `k` draws per example by importance weighting,
///
///     log p̂(x) = logsumexp_i w_i − log k
///
/// (IWAE, Burda et al. 2016, arXiv:1509.00519): a lower bound on `log p(x)` in expectation that
/// tightens as `k` grows and equals the ELBO draw at `k = 1`. The noise comes from fixed streams
/// derived from the seed (draw `i` of a batch continues the same streams), so every number is
/// reproducible, and the transforms' training streams are restored afterwards.
public enum Evaluator {
    public struct Result: Equatable, Sendable {
        /// Mean negative log-likelihood in nats per example (for stochastic flows, `−log p̂(x)`
        /// with `importanceSamples` draws).
        public var nll: Double
        /// For images: bits per dimension of the discrete data (dequantization log-det included).
        public var bitsPerDim: Double?
        public var count: Int
        /// Examples whose log-density is not finite (then `nll` is not finite either).
        public var nonFinite: Int = 0
        /// Of those, the examples at −inf: outside the model's support, or with a density below
        /// what Float represents (`Flow.logProb`). A model with finite parameters gives no other
        /// non-finite value.
        public var negativeInfinite: Int = 0
        /// Draws per example combined into `nll` (1: a single draw, or an exact flow).
        public var importanceSamples: Int = 1
        /// Mean of `−w` over all draws: the negative ELBO, for flows with stochastic transforms
        /// (equal to `nll` when `importanceSamples` is 1); nil for exact flows.
        public var negativeELBO: Double?
    }

    /// Per-example log-densities of `data` (`log p̂(x)` with `importanceSamples` draws, by
    /// default the flow's `defaultImportanceSamples`).
    public static func logProbabilities(
        _ flow: Flow, data: ArrayData, batchSize: Int, seed: UInt64, importanceSamples: Int? = nil, on device: any Device
    ) throws -> [Float] {
        try estimates(flow, data: data, batchSize: batchSize, seed: seed, importanceSamples: importanceSamples, on: device).map { Float($0.logProb) }
    }

    public static func evaluate(
        _ flow: Flow, data: ArrayData, isImage: Bool, batchSize: Int, seed: UInt64, importanceSamples: Int? = nil, on device: any Device
    ) throws -> Result {
        let samples = importanceSamples ?? flow.defaultImportanceSamples
        let perExample = try estimates(flow, data: data, batchSize: batchSize, seed: seed, importanceSamples: samples, on: device)
        // Means of Float32 values, as before the importance-sampling path existed (k = 1 gives
        // the same numbers bit for bit).
        let nll = -perExample.reduce(0.0) { $0 + Double(Float($1.logProb)) } / Double(max(1, perExample.count))
        let negativeELBO = flow.stochasticTransforms.isEmpty ? nil : -perExample.reduce(0.0) { $0 + $1.meanDraw } / Double(max(1, perExample.count))
        return Result(
            nll: nll, bitsPerDim: isImage ? FlowLayers.bitsPerDim(nll: nll, dimensions: data.exampleSize) : nil, count: perExample.count,
            nonFinite: perExample.count { !Float($0.logProb).isFinite }, negativeInfinite: perExample.count { Float($0.logProb) == -.infinity },
            importanceSamples: samples, negativeELBO: negativeELBO)
    }

    /// Runs `body` with every stochastic transform drawing from a fixed stream of `seed` (the
    /// `index`-th transform, depth first, from `derived(900 + index)`), then restores their streams.
    public static func withEvaluationNoise<T>(_ flow: Flow, seed: UInt64, _ body: () throws -> T) rethrows -> T {
        let stochastic = flow.stochasticTransforms
        let saved = stochastic.map(\.noise)
        for (index, transform) in stochastic.enumerated() { transform.noise = RandomStream(seed: seed).derived(900 + UInt64(index)) }
        defer { for (transform, stream) in zip(stochastic, saved) { transform.noise = stream } }
        return try body()
    }

    /// Per example: `logsumexp_i w_i − log k` and the mean draw `(1/k) Σ_i w_i`, in Double.
    static func estimates(
        _ flow: Flow, data: ArrayData, batchSize: Int, seed: UInt64, importanceSamples: Int?, on device: any Device
    ) throws -> [(logProb: Double, meanDraw: Double)] {
        let samples = importanceSamples ?? flow.defaultImportanceSamples
        guard samples >= 1 else { throw FlowError.invalidArgument(op: "Evaluator", detail: "importance samples must be at least 1, got \(samples)") }
        return try withEvaluationNoise(flow, seed: seed) {
            var result: [(logProb: Double, meanDraw: Double)] = []
            result.reserveCapacity(data.count)
            let width = data.exampleSize
            var start = 0
            while start < data.count {
                let end = min(data.count, start + batchSize)
                let batch = try Tensor(Array(data.values[(start * width)..<(end * width)]), shape: [end - start] + data.shape.dropFirst(), on: device)
                var draws = [[Double]](repeating: [], count: end - start)
                // Data outside the support of the model's first transform (a value no level takes,
                // 0.5 under a Bernoulli decoder) have probability zero: −inf.
                let inSupport = try flow.dataInSupport(batch)
                for _ in 0..<samples {
                    for (row, value) in try flow.logProb(batch).toArray().enumerated() {
                        draws[row].append(inSupport[row] ? Double(value) : -.infinity)
                    }
                }
                result += draws.map { (logMeanExp($0), $0.reduce(0, +) / Double($0.count)) }
                start = end
            }
            return result
        }
    }

    /// `log((1/k) Σ exp(w_i))` without overflow; a single draw is returned as it is.
    static func logMeanExp(_ values: [Double]) -> Double {
        guard values.count > 1 else { return values.first ?? -.infinity }
        if values.contains(where: \.isNaN) { return .nan }
        // +inf dominates, all −inf is zero density: both are the answer as they stand.
        guard let peak = values.max(), peak.isFinite else { return values.max() ?? .nan }
        return peak + log(values.reduce(0) { $0 + exp($1 - peak) } / Double(values.count))
    }
}
