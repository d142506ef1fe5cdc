import FlowLayers
import FlowRuntime
import FlowTraining
import Foundation

/// A short training run of each preset family on the device: the loss must fall. The batches
/// cycle through a pool as long as the comparison window, so the first and the last window see
/// the same data and the comparison is not at the mercy of minibatch noise.
enum TrainingChecks {
    static let steps = 40
    static let window = 5
    static let batch = 64
    static let learningRate: Float = 5e-3

    static func run(_ r: CheckRecorder) {
        for preset in PresetCase.all {
            let shapes = "batch \(batch) × \(preset.eventShape), \(steps) steps"
            r.run("train \(preset.name)", shapes) {
                let losses = try train(preset, on: r.device, steps: steps).losses
                let first = losses.prefix(window).reduce(0, +) / Double(window)
                var last = losses.suffix(window).reduce(0, +) / Double(window)
                if r.faulty("train \(preset.name)") { last = first + 1 }
                let finite = losses.allSatisfy(\.isFinite)
                r.record(
                    CheckRow(
                        section: r.section, op: "train \(preset.name)", shapes: shapes, maxAbsError: nil, maxRelError: nil,
                        tolerance: "mean loss of last \(window) < first \(window)", status: finite && last < first ? .pass : .fail,
                        detail: String(format: "loss %.4f → %.4f", first, last) + (finite ? "" : " (non-finite losses)")))
            }
        }
    }

    /// Five steps of one preset twice from the same seed: the parameters must be bit-identical.
    static func determinism(_ r: CheckRecorder) {
        guard let preset = PresetCase.all.first(where: { $0.name == "nsf" }) else { return }
        let shapes = "batch \(batch) × \(preset.eventShape), 5 steps"
        r.run("train \(preset.name) twice", shapes) {
            let first = try train(preset, on: r.device, steps: 5).parameters
            let second = try train(preset, on: r.device, steps: 5).parameters
            r.identical("train \(preset.name) twice", shapes, second, first)
        }
    }

    /// The mean NLL of every step, and the final parameters (all of them, concatenated).
    static func train(_ preset: PresetCase, on device: any Device, steps: Int) throws -> (losses: [Double], parameters: [Float]) {
        var random = RandomStream(seed: 11)
        let flow = try preset.build(&random, device)
        let optimizer = try Adam(parameters: flow.parameters)
        let pool = try batches(preset, count: window, random: &random)
        var losses: [Double] = []
        for step in 0..<steps {
            let x = try Tensor(pool[step % pool.count], shape: [batch] + preset.eventShape, on: device)
            flow.zeroGrad()
            let (loss, _) = try flow.meanNLLBackward(x)
            try optimizer.update(learningRate: learningRate)
            losses.append(Double(try loss.toArray().first ?? .nan))
        }
        let parameters = try flow.parameters.flatMap { try $0.value.toArray() }
        return (losses, parameters)
    }

    /// Two moons for vectors; dequantized digits `(v + u)/17 − 0.5` (the centred form) for images.
    private static func batches(_ preset: PresetCase, count: Int, random: inout RandomStream) throws -> [[Float]] {
        var data = random.derived(2)
        guard preset.isImage else {
            return try (0..<count).map { _ in try ToyDensity.twoMoons.sample(batch, random: &data) }
        }
        let digits = try Digits.load()
        let cpu = try DeviceRegistry.device(named: "cpu")
        return try (0..<count).map { index in
            let noise = try data.next([batch, 64], .uniform, on: cpu).toArray()
            return (0..<batch * 64).map { i in
                let image = (index * batch + i / 64) % digits.count
                return (digits.values[image * 64 + i % 64] + noise[i]) / Float(Digits.levels) - 0.5
            }
        }
    }
}
