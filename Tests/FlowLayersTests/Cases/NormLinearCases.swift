import FlowLayers
import FlowRuntime
import FlowTestSupport
import Foundation
import Testing

extension BijectorCases {
    /// Per-sample Jacobians assume samples do not interact: batch norm is checked in evaluation mode.
    static let batchNormEvaluation: @Sendable (any Bijector) -> Void = { bijector in
        if let batchNorm = bijector as? BatchNorm { batchNorm.training = false }
    }

    static let normLinear: [BijectorCase] = [
        BijectorCase(name: "ActNorm vector", eventShape: [5]) { device, _ in
            try ActNorm(name: "actnorm", channels: 5, on: device)
        },
        BijectorCase(name: "ActNorm image", eventShape: [2, 4, 4]) { device, _ in
            try ActNorm(name: "actnorm", channels: 2, on: device)
        },
        BijectorCase(name: "ActNorm sequence", eventShape: [3, 8]) { device, _ in
            try ActNorm(name: "actnorm", channels: 3, on: device)
        },
        BijectorCase(name: "InvertibleConv1x1 image", eventShape: [2, 4, 4]) { device, random in
            try InvertibleConv1x1(name: "conv", channels: 2, random: &random, on: device)
        },
        BijectorCase(name: "InvertibleConv1x1 vector", eventShape: [5]) { device, random in
            try InvertibleConv1x1(name: "linear", channels: 5, random: &random, on: device)
        },
        BijectorCase(name: "InvertibleConv1x1LU image", eventShape: [4, 4, 4]) { device, random in
            try InvertibleConv1x1LU(name: "conv", channels: 4, random: &random, on: device)
        },
        BijectorCase(name: "InvertibleConv1x1LU vector", eventShape: [6]) { device, random in
            try InvertibleConv1x1LU(name: "linear", channels: 6, random: &random, on: device)
        },
        BijectorCase(name: "InvertibleConv1x1LU sequence", eventShape: [3, 8]) { device, random in
            try InvertibleConv1x1LU(name: "conv", channels: 3, random: &random, on: device)
        },
        BijectorCase(name: "Permutation random image", eventShape: [4, 4, 4]) { device, random in
            try Permutation(name: "shuffle", features: 4, random: &random, on: device)
        },
        BijectorCase(name: "Permutation reversal vector", eventShape: [6]) { device, _ in
            try Permutation.reversal(features: 6, on: device)
        },
        // Training mode: the gradient test covers the batch statistics' backward. The harness runs
        // the inverse test in the built mode, and the inverse uses running statistics: momentum 1
        // makes them the last batch's, so inverse(forward(x)) must still give x.
        BijectorCase(name: "BatchNorm training vector", eventShape: [5], prepareForJacobian: batchNormEvaluation) { device, _ in
            try BatchNorm(name: "bn", channels: 5, momentum: 1, on: device)
        },
        BijectorCase(name: "BatchNorm training image", eventShape: [2, 4, 4], prepareForJacobian: batchNormEvaluation) { device, _ in
            try BatchNorm(name: "bn", channels: 2, momentum: 1, on: device)
        },
        // Evaluation mode throughout, with running statistics from one warm-up training batch.
        BijectorCase(name: "BatchNorm evaluation vector", eventShape: [5]) { device, random in
            let layer = try BatchNorm(name: "bn", channels: 5, momentum: 0.5, on: device)
            _ = try layer.transform(random.next([16, 5], .normal, on: device).affine(scale: 2, shift: 0.5))
            layer.training = false
            return layer
        },
    ]
}

/// What the registry's generic properties cannot see: data-dependent initialisation and its
/// persistence, the zero-variance guard, initial rotations, masked LU gradients, batch-norm
/// statistics, and reversible-chain gradients through all of these layers.
@Suite struct NormLinearBehaviourTests {
    /// Per-channel (mean, unbiased std) of `[B, C, …]` values, in Double.
    static func channelStatistics(_ values: [Float], shape: [Int]) -> [(mean: Double, std: Double)] {
        let (batch, channels) = (shape[0], shape[1])
        let inner = shape.dropFirst(2).reduce(1, *)
        return (0..<channels).map { c in
            let xs = (0..<batch).flatMap { b in (0..<inner).map { Double(values[(b * channels + c) * inner + $0]) } }
            let mean = xs.reduce(0, +) / Double(xs.count)
            let variance = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(xs.count - 1)
            return (mean, variance.squareRoot())
        }
    }

    @Test(arguments: TestDevices.all)
    func actNormInitialisesToUnitStatisticsOnce(_ d: TestDevice) throws {
        var random = RandomStream(seed: 5)
        let x = try random.next([6, 3, 4, 4], .normal, on: d.device).affine(scale: 3, shift: 2)
        let layer = try ActNorm(name: "a", channels: 3, on: d.device)
        #expect(!layer.isInitialized)
        #expect(throws: FlowError.self) { _ = try layer.inverse(x, context: nil) }
        let output = try layer.transform(x).output
        #expect(layer.isInitialized)
        for (mean, std) in Self.channelStatistics(try output.toArray(), shape: output.shape) {
            #expect(abs(mean) < 1e-5 && abs(std - 1) < 1e-4, "after initialisation: mean \(mean), std \(std)")
        }
        // A second batch must not re-initialise.
        let before = try layer.loc.value.toArray()
        _ = try layer.transform(x.affine(scale: 5, shift: -1))
        #expect(try layer.loc.value.toArray() == before)
    }

    @Test(arguments: TestDevices.all)
    func actNormRestoredFromCheckpointDoesNotReinitialise(_ d: TestDevice) throws {
        let layer = try ActNorm(name: "a", channels: 2, on: d.device)
        layer.loc.value = try Tensor([0.5, -1], shape: [2], on: d.device)
        layer.logScale.value = try Tensor([0.25, 0.1], shape: [2], on: d.device)
        layer.isInitialized = true
        var random = RandomStream(seed: 6)
        _ = try layer.transform(random.next([4, 2], .normal, on: d.device))
        #expect(try layer.loc.value.toArray() == [0.5, -1])
        #expect(try layer.logScale.value.toArray() == [0.25, 0.1])
    }

    @Test(arguments: TestDevices.all)
    func actNormConstantChannelStaysFinite(_ d: TestDevice) throws {
        var random = RandomStream(seed: 7)
        let varying = try random.next([4, 1, 3, 3], .normal, on: d.device)
        let constant = try Tensor.full([4, 1, 3, 3], value: 5, on: d.device)
        let layer = try ActNorm(name: "a", channels: 2, on: d.device)
        let result = try layer.transform(Tensor.concat([varying, constant]))
        #expect(try result.output.toArray().allSatisfy(\.isFinite))
        #expect(try result.logDet.toArray().allSatisfy(\.isFinite))
        #expect(abs(Double(try layer.logScale.value.toArray()[1]) - log(1e-6)) < 1e-3)
    }

    @Test(arguments: TestDevices.all)
    func convolutionsStartAsRotations(_ d: TestDevice) throws {
        var random = RandomStream(seed: 8)
        let plain = try InvertibleConv1x1(name: "p", channels: 5, random: &random, on: d.device)
        let lu = try InvertibleConv1x1LU(name: "l", channels: 5, random: &random, on: d.device)
        for weight in [plain.weight.value, try lu.assembledWeight()] {
            let gram = try weight.matmul(weight, transposeSelf: true).toArray()
            for i in 0..<5 { for j in 0..<5 { #expect(abs(Double(gram[i * 5 + j]) - (i == j ? 1 : 0)) < 1e-5) } }
        }
        let x = try random.next([2, 5, 2, 2], .normal, on: d.device)
        #expect(try lu.transform(x).logDet.toArray().allSatisfy { abs($0) < 1e-4 })
        #expect(try plain.transform(x).logDet.toArray().allSatisfy { abs($0) < 1e-4 })
    }

    @Test(arguments: TestDevices.all)
    func luUnusedTrianglesGetZeroGradient(_ d: TestDevice) throws {
        var random = RandomStream(seed: 9)
        let layer = try InvertibleConv1x1LU(name: "l", channels: 4, random: &random, on: d.device)
        let x = try random.next([3, 4, 2, 2], .normal, on: d.device)
        let (result, tape) = try layer.forward(x, context: nil)
        _ = try layer.backward(
            tape, gradOutput: result.output, gradLogDet: Tensor.full([3], value: 1, on: d.device))
        let lower = try #require(layer.lower.grad).toArray()
        let upper = try #require(layer.upper.grad).toArray()
        for i in 0..<4 {
            for j in 0..<4 {
                if j >= i { #expect(lower[i * 4 + j] == 0) }
                if j <= i { #expect(upper[i * 4 + j] == 0) }
            }
        }
    }

    @Test(arguments: TestDevices.all)
    func batchNormStatisticsAndModes(_ d: TestDevice) throws {
        var random = RandomStream(seed: 10)
        let x = try random.next([8, 3, 2, 2], .normal, on: d.device).affine(scale: 2, shift: 1)
        let layer = try BatchNorm(name: "bn", channels: 3, epsilon: 1e-6, on: d.device)
        #expect(!layer.reconstructsInput)
        let output = try layer.transform(x).output
        let n = 32.0
        let inputStats = Self.channelStatistics(try x.toArray(), shape: x.shape)
        for (mean, std) in Self.channelStatistics(try output.toArray(), shape: output.shape) {
            // Normalised by the biased variance, so the unbiased std is √(n/(n−1)).
            #expect(abs(mean) < 1e-5 && abs(std - (n / (n - 1)).squareRoot()) < 1e-3)
        }
        let runningMean = try layer.runningMean.toArray()
        let runningVariance = try layer.runningVariance.toArray()
        for c in 0..<3 {
            let biased = inputStats[c].std * inputStats[c].std * (n - 1) / n
            #expect(abs(Double(runningMean[c]) - 0.1 * inputStats[c].mean) < 1e-5)
            #expect(abs(Double(runningVariance[c]) - (0.9 + 0.1 * biased)) < 1e-4)
        }
        layer.training = false
        #expect(layer.reconstructsInput)
        _ = try layer.transform(x)
        #expect(try layer.runningMean.toArray() == runningMean)
    }

    @Test func permutationsAreSeededPermutations() throws {
        let device = try #require(TestDevices.cpu).device
        var a = RandomStream(seed: 11)
        var b = RandomStream(seed: 11)
        let first = try Permutation(features: 9, random: &a, on: device)
        let second = try Permutation(features: 9, random: &b, on: device)
        #expect(first.order == second.order && first.order.sorted() == Array(0..<9))
        #expect(try Permutation.reversal(features: 4, on: device).order == [3, 2, 1, 0])
        #expect(throws: FlowError.self) { _ = try Permutation(order: [0, 0, 1], on: device) }
    }

    /// Reversible mode rebuilds inputs through the inverses (the LU inverse goes through the host)
    /// and keeps batch norm's tape: gradients must match storing every tape.
    @Test(arguments: TestDevices.all)
    func reversibleChainGradientsMatch(_ d: TestDevice) throws {
        var random = RandomStream(seed: 12)
        let layers: [any Bijector] = [
            try ActNorm(name: "a", channels: 4, on: d.device),
            try InvertibleConv1x1LU(name: "l", channels: 4, random: &random, on: d.device),
            try BatchNorm(name: "bn", channels: 4, on: d.device),
            try Permutation(name: "p", features: 4, random: &random, on: d.device),
            try InvertibleConv1x1(name: "w", channels: 4, random: &random, on: d.device),
        ]
        let flow = Flow(transforms: layers, base: StandardNormal(eventShape: [4, 2, 2]))
        let x = try random.next([5, 4, 2, 2], .normal, on: d.device)
        _ = try flow.transform(x)
        var gradients: [[[Float]]] = []
        for mode in [BackwardMode.storeActivations, .reversible] {
            flow.backwardMode = mode
            flow.zeroGrad()
            let (_, grads) = try flow.meanNLLBackward(x)
            gradients.append(try [grads.input.toArray()] + flow.parameters.map { try #require($0.grad).toArray() })
        }
        for (stored, rebuilt) in zip(gradients[0], gradients[1]) {
            for (a, b) in zip(stored, rebuilt) { #expect(abs(a - b) <= 1e-4 * max(1, abs(a))) }
        }
    }
}
