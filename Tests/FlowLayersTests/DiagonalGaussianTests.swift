import FlowLayers
import FlowRuntime
import FlowTestSupport
import Foundation
import Testing

/// The learned diagonal Gaussian base, unconditional and conditioned on a context: log-density
/// against a Double reference, gradients against finite differences, and sample moments.
@Suite struct DiagonalGaussianTests {
    static let eventShape = [2, 3]
    static let contextFeatures = 3
    static let batch = 4

    static func make(_ conditional: Bool, _ device: any Device, perturbation: Float = 0.4) throws -> (DiagonalGaussian, Tensor, Tensor?) {
        var random = RandomStream(seed: 21)
        let base =
            conditional
            ? try DiagonalGaussian(eventShape: eventShape, contextFeatures: contextFeatures, hidden: [8], random: &random, on: device)
            : try DiagonalGaussian(eventShape: eventShape, on: device)
        try FlowTestHelpers.perturb(base.parameters, scale: perturbation, random: &random)
        let z = try random.next([batch] + eventShape, .normal, on: device)
        let context = conditional ? try random.next([batch, contextFeatures], .normal, on: device) : nil
        return (base, z, context)
    }

    /// Per-sample `(μ, log σ)` in Double: the parameters plus, when conditional, the MLP's output
    /// (Linear → ReLU → Linear) evaluated on the host.
    static func reference(_ base: DiagonalGaussian, context: Tensor?, batch: Int) throws -> (mean: [[Double]], logStd: [[Double]]) {
        let mean = try FlowTestHelpers.doubles(base.mean.value)
        let logStd = try FlowTestHelpers.doubles(base.logStd.value)
        let features = mean.count
        guard let network = base.network, let context else {
            return (Array(repeating: mean, count: batch), Array(repeating: logStd, count: batch))
        }
        var rows = try FlowTestHelpers.doubles(context).chunkedRows(context.shape[1])
        for (index, layer) in network.layers.enumerated() {
            let weight = try FlowTestHelpers.doubles(layer.weight.value).chunkedRows(layer.inputs)
            let bias = try FlowTestHelpers.doubles(layer.bias.value)
            rows = rows.map { row in
                (0..<layer.outputs).map { o in
                    let value = zip(weight[o], row).reduce(bias[o]) { $0 + $1.0 * $1.1 }
                    return index < network.layers.count - 1 ? max(value, 0) : value
                }
            }
        }
        return (
            rows.map { row in (0..<features).map { row[$0] + mean[$0] } },
            rows.map { row in (0..<features).map { row[features + $0] + logStd[$0] } }
        )
    }

    @Test(arguments: TestDevices.all, [false, true])
    func logProbMatchesDoubleReference(_ d: TestDevice, _ conditional: Bool) throws {
        let (base, z, context) = try Self.make(conditional, d.device)
        let (mean, logStd) = try Self.reference(base, context: context, batch: Self.batch)
        let latents = try FlowTestHelpers.doubles(z).chunkedRows(6)
        for (b, got) in try base.logProb(z, context: context).toArray().enumerated() {
            let expected = (0..<6).reduce(0.0) { total, j in
                let epsilon = (latents[b][j] - mean[b][j]) / exp(logStd[b][j])
                return total - 0.5 * epsilon * epsilon - logStd[b][j] - 0.5 * log(2 * Double.pi)
            }
            #expect(abs(Double(got) - expected) <= 1e-5 * max(1, abs(expected)), "sample \(b): \(got) vs \(expected)")
        }
    }

    @Test(arguments: TestDevices.all)
    func conditionalStartsAsStandardNormal(_ d: TestDevice) throws {
        let (base, z, context) = try Self.make(true, d.device, perturbation: 0)
        let got = try base.logProb(z, context: context).toArray()
        let expected = try StandardNormal(eventShape: Self.eventShape).logProb(z, context: nil).toArray()
        #expect(zip(got, expected).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) })
    }

    /// `L = Σ_b w_b·log p(z_b)`: gradients to every parameter, `z` and the context along random
    /// directions, with GradientTests' tolerances.
    @Test(arguments: TestDevices.all, [false, true])
    func gradientsMatchFiniteDifferences(_ d: TestDevice, _ conditional: Bool) throws {
        let (base, z, context) = try Self.make(conditional, d.device)
        var rng = SeededRandom(seed: 31)
        let weights = rng.floats(Self.batch)
        func loss(_ z: Tensor, _ context: Tensor?) throws -> Double {
            zip(try FlowTestHelpers.doubles(base.logProb(z, context: context)), weights).reduce(0) { $0 + $1.0 * $1.1 }
        }
        base.parameters.forEach { $0.zeroGrad() }
        let grads = try base.logProbBackward(
            z, context: context, gradLogProb: Tensor(weights.map(Float.init), shape: [Self.batch], on: d.device))
        #expect((grads.context != nil) == conditional)

        func check(_ what: String, _ gradient: Tensor?, count: Int, _ shifted: ([Double]) throws -> Double) throws {
            let direction = rng.unitVector(count)
            let analytic = try gradient.map(FlowTestHelpers.doubles) ?? [Double](repeating: 0, count: count)
            let projected = zip(analytic, direction).reduce(0) { $0 + $1.0 * $1.1 }
            let numeric = try NumericalDerivatives.derivative { t in try shifted(direction.map { $0 * t }) }
            #expect(
                FlowTestHelpers.close(projected, numeric, rtol: GradientTests.rtol, atol: GradientTests.atol),
                "∂L/∂\(what): backward \(projected), finite differences \(numeric)")
        }
        for parameter in base.parameters {
            let original = parameter.value
            try check(parameter.name, parameter.grad, count: original.count) { delta in
                parameter.value = try FlowTestHelpers.shifted(original, by: delta)
                defer { parameter.value = original }
                return try loss(z, context)
            }
        }
        try check("z", grads.input, count: z.count) { try loss(FlowTestHelpers.shifted(z, by: $0), context) }
        if let context {
            try check("context", grads.context, count: context.count) { try loss(z, FlowTestHelpers.shifted(context, by: $0)) }
        }
    }

    /// Sample means within 5 standard errors of `μ`, standard deviations within 5 standard errors
    /// of `temperature·σ` (standard error `σ/√(2N)`).
    @Test(arguments: TestDevices.all, [false, true])
    func samplesHaveTheModelsMeanAndStd(_ d: TestDevice, _ conditional: Bool) throws {
        let (base, _, _) = try Self.make(conditional, d.device, perturbation: 0.8)
        let count = 20000
        var rng = SeededRandom(seed: 41)
        let row = rng.normals(Self.contextFeatures).map(Float.init)
        let context =
            conditional
            ? try Tensor((0..<count).flatMap { _ in row }, shape: [count, Self.contextFeatures], on: d.device) : nil
        let single = conditional ? try Tensor(row, shape: [1, Self.contextFeatures], on: d.device) : nil
        let (mean, logStd) = try Self.reference(base, context: single, batch: 1)
        for temperature: Float in [1, 0.5] {
            var random = RandomStream(seed: 51)
            let samples = try base.sample(count: count, context: context, random: &random, temperature: temperature, on: d.device)
            #expect(samples.shape == [count] + Self.eventShape)
            let columns = try FlowTestHelpers.doubles(samples).chunkedRows(6)
            for j in 0..<6 {
                let values = columns.map { $0[j] }
                let sampleMean = values.reduce(0, +) / Double(count)
                let sampleStd = (values.reduce(0) { $0 + ($1 - sampleMean) * ($1 - sampleMean) } / Double(count - 1)).squareRoot()
                let std = Double(temperature) * exp(logStd[0][j])
                #expect(abs(sampleMean - mean[0][j]) <= 5 * std / Double(count).squareRoot(), "dimension \(j): mean \(sampleMean) vs \(mean[0][j])")
                #expect(abs(sampleStd - std) <= 5 * std / (2 * Double(count)).squareRoot(), "dimension \(j): std \(sampleStd) vs \(std)")
            }
        }
    }
}

extension Array {
    /// Consecutive rows of `size` elements.
    fileprivate func chunkedRows(_ size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
