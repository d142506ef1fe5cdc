import FlowLayers
import FlowRuntime
import FlowTraining
import Foundation

/// The measurement protocol of `bench/WORKLOADS.md`, for one workload on one device:
/// train (5 warm-up steps, then 3 repeats of N steps, N = clamp(1 s / step, 20, 200)),
/// logprob (3 warm-up calls, 3 repeats of N = clamp(0.5 s / call, 20, 200)) and sampling
/// (2 warm-up calls, 3 repeats of N = clamp(1 s / call, 5, 100)); each repeat's median time per
/// call gives a throughput in samples/s; reported: the median and min–max of the three.
/// Every timed call ends with its result read back, so device work is inside the timing.
package struct WorkloadBenchmark {
    let workload: Workload
    let device: any Device
    let stepsOverride: Int?

    package init(workload: Workload, device: any Device, stepsOverride: Int?) {
        self.workload = workload
        self.device = device
        self.stepsOverride = stepsOverride
    }

    struct Figure {
        var median: Double
        var low: Double
        var high: Double
        var json: String { String(format: #"{"median":%.1f,"min":%.1f,"max":%.1f}"#, median, low, high) }
    }

    package func run(export: String?) throws -> String {
        let flow = try workload.makeFlow(seed: 0, on: device)
        let pool = try workload.pool(seed: 0).map { try Tensor($0, shape: [workload.batchSize] + workload.eventShape, on: device) }
        let adam = try Adam(parameters: flow.parameters)
        var index = 0
        func nextBatch() -> Tensor {
            defer { index = (index + 1) % pool.count }
            return pool[index]
        }
        let train = try measure(warmUp: 5, target: 1, range: 20...200) {
            flow.zeroGrad()
            let (loss, _) = try flow.meanNLLBackward(nextBatch())
            try adam.update(learningRate: 1e-3)
            _ = try loss.toArray()
        }
        let logProb = try measure(warmUp: 3, target: 0.5, range: 20...200) { _ = try flow.logProb(nextBatch()).toArray() }
        var random = RandomStream(seed: 5)
        let sample = try measure(warmUp: 2, target: 1, range: 5...100) {
            _ = try flow.sample(workload.batchSize, random: &random, on: device).toArray()
        }
        let launches = try launchesPerCall(flow: flow, adam: adam, batch: pool[0])
        if let export { try exportModel(flow, batch: pool[0], to: export) }
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        let free = flow.parameters.reduce(0) { $0 + $1.value.count }
        return String(
            format:
                #"{"workload":"%@","name":"%@","device":"%@","batch":%d,"parameters":%d,"trainSamplesPerSecond":%@,"logProbSamplesPerSecond":%@,"sampleSamplesPerSecond":%@,"peakRSSMB":%.1f%@}"#,
            workload.rawValue, workload.title, device.info.selector, workload.batchSize, free, train.json, logProb.json, sample.json,
            Double(usage.ru_maxrss) / 1024, launches?.json ?? "")
    }

    /// Kernels one training step, one `logProb` and one sampling call enqueue, on a device that
    /// counts them (nil on the CPU), and the training step's per kernel name.
    private func launchesPerCall(flow: Flow, adam: Adam, batch: Tensor) throws -> Launches? {
        guard let counting = device as? any KernelLaunchCounting else { return nil }
        func count(_ body: () throws -> Void) throws -> Int {
            let before = counting.kernelLaunches
            try body()
            return counting.kernelLaunches - before
        }
        let namesBefore = counting.kernelLaunchesByKernel
        let train = try count {
            flow.zeroGrad()
            _ = try flow.meanNLLBackward(batch)
            try adam.update(learningRate: 1e-3)
        }
        let trainByKernel = counting.kernelLaunchesByKernel
            .map { ($0.key, $0.value - (namesBefore[$0.key] ?? 0)) }.filter { $0.1 > 0 }
        var random = RandomStream(seed: 6)
        return Launches(
            train: train, logProb: try count { _ = try flow.logProb(batch) },
            sample: try count { _ = try flow.sample(workload.batchSize, random: &random, on: device) },
            trainByKernel: Dictionary(uniqueKeysWithValues: trainByKernel))
    }

    /// Launch counts of one call each, and of the training step per kernel name.
    private struct Launches {
        var train: Int
        var logProb: Int
        var sample: Int
        var trainByKernel: [String: Int]

        /// `,"kernelLaunches":{…},"trainLaunchesByKernel":{…}` (names sorted, for stable output).
        var json: String {
            let byKernel = trainByKernel.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",")
            return #","kernelLaunches":{"train":\#(train),"logProb":\#(logProb),"sample":\#(sample)},"trainLaunchesByKernel":{\#(byKernel)}"#
        }
    }

    /// Runs `body` `warmUp` times, then three repeats of N calls; samples/s from each repeat's median.
    private func measure(warmUp: Int, target: Double, range: ClosedRange<Int>, _ body: () throws -> Void) throws -> Figure {
        var last = 0.0
        for _ in 0..<warmUp { last = try time(body) }
        let count = stepsOverride ?? min(range.upperBound, max(range.lowerBound, Int(target / max(last, 1e-9))))
        var rates: [Double] = []
        for _ in 0..<3 {
            var times: [Double] = []
            for _ in 0..<count { times.append(try time(body)) }
            times.sort()
            rates.append(Double(workload.batchSize) / times[times.count / 2])
        }
        rates.sort()
        return Figure(median: rates[1], low: rates[0], high: rates[2])
    }

    private func time(_ body: () throws -> Void) throws -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Weights (flowkit's names and layouts), the LU convolutions' fixed permutation and signs,
    /// one batch and its log-densities: what the PyTorch side needs to prove it computes the
    /// same model.
    private func exportModel(_ flow: Flow, batch: Tensor, to directory: String) throws {
        let folder = URL(fileURLWithPath: directory)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var tensors: [String: SafeTensors.Entry] = [:]
        for parameter in flow.parameters {
            tensors[parameter.name] = .init(shape: parameter.shape, values: try parameter.value.toArray())
        }
        func visit(_ transform: any Bijector) {
            if let conv = transform as? InvertibleConv1x1LU {
                tensors["\(conv.name).rowOrder"] = .init(shape: [conv.rowOrder.count], values: conv.rowOrder.map(Float.init))
                tensors["\(conv.name).signs"] = .init(shape: [conv.signs.count], values: conv.signs)
            }
            if let container = transform as? any TransformContainer { container.children.forEach(visit) }
        }
        visit(flow.chain)
        tensors["batch"] = .init(shape: batch.shape, values: try batch.toArray())
        tensors["logProb"] = .init(shape: [batch.batch], values: try flow.logProb(batch).toArray())
        try AtomicFile.write(
            SafeTensors.encode(tensors, metadata: ["workload": workload.rawValue]), to: folder.appendingPathComponent("\(workload.rawValue).safetensors"))
    }
}
