import FlowLayers
import FlowRuntime
import FlowTestSupport
import Testing

/// An image coupling (`ChannelMask`) on a kernel device runs the fused channel coupling
/// (`ChannelCouplingCapable`); on the CPU it runs the general path (splits, de-interleaving,
/// coupling, concatenation). With the same weights, both must compute the same flow: forward,
/// inverse, the input's, context's and every parameter's gradient. This ties the kernels' piece
/// layout to `ChannelMask`'s, which the op tests (written against a reference) cannot.
@Suite struct ChannelCouplingPathTests {
    /// (name, channels, context features, coupling builder).
    private static let cases: [(String, Int, Int, @Sendable (any Device, inout RandomStream) throws -> AffineCoupling)] = [
        (
            "Glow: interleaved, shift first", 4, 0,
            { device, random in
                try AffineCoupling(
                    mask: ChannelMask(channels: 4, interleaved: true, on: device),
                    conditioner: ConvNet(name: "net", inputChannels: 2, outputChannels: 4, hidden: 6, random: &random, on: device),
                    scale: .sigmoidShifted, order: .shiftThenScale, shiftFirst: true)
            }
        ),
        (
            "blocks, kept channels last, odd channels, context", 3, 2,
            { device, random in
                try AffineCoupling(
                    mask: ChannelMask(channels: 3, keepFirst: false, on: device),
                    conditioner: ConvNet(name: "net", inputChannels: 2, outputChannels: 2, hidden: 5, contextFeatures: 2, random: &random, on: device))
            }
        ),
    ]

    @Test(arguments: TestDevices.kernel)
    func fusedPathMatchesTheGeneralPath(_ d: TestDevice) throws {
        let cpu = try #require(TestDevices.cpu).device
        for (index, (name, channels, contextFeatures, make)) in Self.cases.enumerated() {
            var (randomCPU, randomKernel) = (RandomStream(seed: 7), RandomStream(seed: 7))
            let (general, fused) = (try make(cpu, &randomCPU), try make(d.device, &randomKernel))
            // Random weights everywhere (the last layer starts at zero, which would make h = 0).
            var rng = SeededRandom(seed: UInt64(80 + index))
            for (p, q) in zip(general.parameters, fused.parameters) {
                let values = rng.floats(p.value.count, in: -0.5...0.5).map(Float.init)
                p.value = try Tensor(values, shape: p.value.shape, on: cpu)
                q.value = try Tensor(values, shape: q.value.shape, on: d.device)
            }
            let batch = 3
            let (x, gradY, gradLogDet) = (
                rng.floats(batch * channels * 16).map(Float.init), rng.floats(batch * channels * 16).map(Float.init),
                rng.floats(batch).map(Float.init)
            )
            let context = contextFeatures > 0 ? rng.floats(batch * contextFeatures).map(Float.init) : nil
            func run(_ coupling: AffineCoupling, on device: any Device) throws -> [String: [Float]] {
                let input = try Tensor(x, shape: [batch, channels, 4, 4], on: device)
                let contextTensor = try context.map { try Tensor($0, shape: [batch, contextFeatures], on: device) }
                let (result, tape) = try coupling.forward(input, context: contextTensor)
                let inverse = try coupling.inverse(result.output, context: contextTensor)
                let grads = try coupling.backward(
                    tape, gradOutput: Tensor(gradY, shape: [batch, channels, 4, 4], on: device),
                    gradLogDet: Tensor(gradLogDet, shape: [batch], on: device))
                var out = [
                    "y": try result.output.toArray(), "logDet": try result.logDet.toArray(), "inverse": try inverse.output.toArray(),
                    "inverse logDet": try inverse.logDet.toArray(), "∂x": try grads.input.toArray(),
                ]
                if let gradContext = grads.context { out["∂context"] = try gradContext.toArray() }
                for parameter in coupling.parameters { out["∂" + parameter.name] = try #require(parameter.grad).toArray() }
                return out
            }
            let (expected, actual) = (try run(general, on: cpu), try run(fused, on: d.device))
            #expect(expected.keys.sorted() == actual.keys.sorted(), "\(name)")
            for (key, reference) in expected {
                let values = try #require(actual[key])
                let scale = reference.reduce(Float(1)) { max($0, abs($1)) }
                // Different devices round the conditioner's convolutions differently: 1e-4 of
                // the largest value, far below what a misplaced channel gives.
                let worst = zip(values, reference).map { abs($0 - $1) }.max() ?? 0
                #expect(values.count == reference.count && worst <= 1e-4 * scale, "\(name) \(key): largest difference \(worst), scale \(scale)")
            }
        }
    }
}
