import FlowDistributed
import FlowLayers
import FlowRuntime
import Foundation

/// One training step's gradient from K micro-batches (`train.microBatches`), on any number of
/// ranks: micro-batch k is rows k·B/K ..< (k+1)·B/K of the step's batch (which every rank draws
/// alike), rank r computes the micro-batches `MicroBatchAssignment` gives it, and
/// `GradientExchange` adds every micro-batch's gradient in order 0…K−1. The step's gradient is
/// that sum divided by K (the mean-NLL gradient of the whole batch, up to rounding), the same
/// bits on every rank and on any rank count; the optimizer then runs on every rank alike, so
/// parameters and moments stay identical everywhere and a checkpoint holds nothing rank-specific.
///
/// Noise of stochastic transforms (dequantization, a VAE's posterior) is keyed by the
/// micro-batch, not by who computes it: micro-batch k draws from the step's stream position
/// advanced by k·`noiseStride` blocks, and after the step every stream stands K strides on.
/// ActNorm's data-dependent initialisation sees the whole first batch on every rank (a forward
/// pass before the first micro-batch), as one process training on the undivided batch would.
final class MicroBatchStep {
    /// Philox blocks (4 values each) one micro-batch may draw per stochastic transform.
    static let noiseStride: UInt64 = 1 << 24

    let flow: Flow
    let device: any Device
    let eventShape: [Int]
    let batchSize: Int
    let communicator: any Communicator
    let exchange: GradientExchange
    let parameterCount: Int

    init(flow: Flow, device: any Device, eventShape: [Int], batchSize: Int, microBatches: Int, communicator: any Communicator) throws {
        if flow.statefulTransforms.contains(where: { $0 is BatchNorm }), microBatches > 1 {
            // Its running statistics are updated by each forward pass, so each rank's would follow
            // only its own micro-batches; no config builds one today.
            throw ConfigError(key: "train.microBatches", "must be 1 for a model with BatchNorm (its running statistics would differ between ranks)")
        }
        self.flow = flow
        self.device = device
        self.eventShape = eventShape
        self.batchSize = batchSize
        self.communicator = communicator
        parameterCount = flow.parameters.reduce(0) { $0 + $1.value.count }
        // Each vector: every gradient, one presence flag per parameter, the loss, the stop flag.
        exchange = try GradientExchange(
            length: parameterCount + flow.parameters.count + 2, microBatches: microBatches, communicator: communicator)
    }

    var microBatches: Int { exchange.assignment.microBatches }

    /// Leaves the step's gradient in every parameter; returns the batch's mean loss and whether
    /// any rank asked to stop (`stopRequested` here), which every rank then learns alike.
    func gradients(_ batch: [Float], stopRequested: Bool) throws -> (loss: Double, stop: Bool) {
        let rows = batchSize / microBatches
        let width = eventShape.reduce(1, *)
        try initializeActNorm(batch)
        let parameters = flow.parameters
        let stochastic = flow.stochasticTransforms
        let starts = stochastic.map(\.noise)
        let (lossIndex, stopIndex) = (parameterCount + parameters.count, parameterCount + parameters.count + 1)
        var local: [[Float]] = []
        for k in exchange.assignment.microBatches(of: communicator.rank) {
            let noise = starts.map { RandomStream(seed: $0.seed, counter: $0.counter &+ UInt64(k) &* Self.noiseStride) }
            for (transform, stream) in zip(stochastic, noise) { transform.noise = stream }
            let x = try Tensor(Array(batch[(k * rows * width)..<((k + 1) * rows * width)]), shape: [rows] + eventShape, on: device)
            flow.zeroGrad()
            let (loss, _) = try flow.meanNLLBackward(x)
            for (transform, stream) in zip(stochastic, noise) where transform.noise.counter &- stream.counter > Self.noiseStride {
                throw ConfigError(
                    key: "train.microBatches",
                    "a micro-batch of \(rows) rows draws more noise in \(transform.name) than \(Self.noiseStride) blocks; use more micro-batches")
            }
            var vector = [Float](repeating: 0, count: exchange.partition.length)
            var offset = 0
            for (index, parameter) in parameters.enumerated() {
                if let grad = parameter.grad {
                    vector.replaceSubrange(offset..<(offset + grad.count), with: try grad.toArray())
                    vector[parameterCount + index] = 1
                }
                offset += parameter.value.count
            }
            vector[lossIndex] = try loss.toArray()[0]
            vector[stopIndex] = stopRequested && local.isEmpty ? 1 : 0
            local.append(vector)
        }
        let total = try exchange.sum(local)
        for (transform, start) in zip(stochastic, starts) {
            transform.noise = RandomStream(seed: start.seed, counter: start.counter &+ UInt64(microBatches) &* Self.noiseStride)
        }
        flow.zeroGrad()
        var offset = 0
        let scale = Float(microBatches)
        for (index, parameter) in parameters.enumerated() {
            let count = parameter.value.count
            if total[parameterCount + index] > 0 {
                let mean = total[offset..<(offset + count)].map { $0 / scale }
                try parameter.accumulate(taking: Tensor(mean, shape: parameter.shape, on: device))
            }
            offset += count
        }
        return (Double(total[lossIndex]) / Double(microBatches), total[stopIndex] > 0)
    }

    /// ActNorm layers not yet initialised (a new run's first step) take their statistics from the
    /// whole batch on every rank: a forward pass with the step's noise, which is then rewound.
    private func initializeActNorm(_ batch: [Float]) throws {
        guard flow.statefulTransforms.contains(where: { ($0 as? ActNorm)?.isInitialized == false }) else { return }
        let stochastic = flow.stochasticTransforms
        let starts = stochastic.map(\.noise)
        _ = try flow.logProb(try Tensor(batch, shape: [batchSize] + eventShape, on: device))
        for (transform, stream) in zip(stochastic, starts) { transform.noise = stream }
    }
}
