import FlowLayers
import FlowRuntime
import FlowTestSupport
import Foundation
import Testing

/// A preset at a size the suite can afford, with the shape of one data sample.
struct PresetCase: CustomStringConvertible, Sendable {
    let name: String
    let eventShape: [Int]
    let build: @Sendable (any Device, inout RandomStream) throws -> Flow
    var description: String { name }

    static let all: [PresetCase] = [
        PresetCase(name: "Glow N(0, I) splits", eventShape: [1, 8, 8]) { device, random in
            try Glow(imageShape: [1, 8, 8], levels: 2, steps: 4, hidden: 64, learnedPrior: false).makeFlow(random: &random, on: device)
        },
        PresetCase(name: "Glow learned prior reversible", eventShape: [2, 4, 4]) { device, random in
            try Glow(imageShape: [2, 4, 4], levels: 2, steps: 2, hidden: 8, backwardMode: .reversible)
                .makeFlow(random: &random, on: device)
        },
        PresetCase(name: "RealNVPImage residual", eventShape: [1, 8, 8]) { device, random in
            try RealNVPImage(imageShape: [1, 8, 8], scales: 2, hidden: 8, residualBlocks: 1).makeFlow(random: &random, on: device)
        },
        PresetCase(name: "RealNVP 2-D", eventShape: [2]) { device, random in
            try RealNVP(features: 2, layers: 8, hidden: 128).makeFlow(random: &random, on: device)
        },
        PresetCase(name: "NICE", eventShape: [6]) { device, random in
            try NICE(features: 6, couplings: 4, hidden: 16, hiddenLayers: 2).makeFlow(random: &random, on: device)
        },
    ]
}

@Suite struct PresetTests {
    static var cpu: any Device { TestDevices.cpu?.device ?? TestDevices.all[0].device }

    /// Checkpoint state and diagnostics find transforms through `TransformContainer`: every
    /// ActNorm inside the multi-scale levels must be reachable.
    @Test func glowExposesItsTransforms() throws {
        var random = RandomStream(seed: 1)
        let flow = try Glow(imageShape: [1, 8, 8], levels: 2, steps: 3, hidden: 4).makeFlow(random: &random, on: Self.cpu)
        func all(_ transform: any Bijector) -> [any Bijector] {
            [transform] + ((transform as? any TransformContainer)?.children.flatMap(all) ?? [])
        }
        let transforms = all(flow.chain)
        #expect(transforms.filter { $0 is ActNorm }.count == 6)
        #expect(transforms.filter { $0 is LearnedPrior }.count == 1)
        #expect(transforms.contains { $0.name == "glow.level1.step2.actnorm" })
    }

    /// With `affine`, each spline coupling starts as the exact identity (unit slopes at every
    /// knot), so the untrained flow is its affine couplings alone; without it the interior slopes
    /// start near 0.69 and the splines bend the data from the first step.
    @Test func affineSplineFlowStartsWithIdentitySplines() throws {
        for affine in [true, false] {
            var random = RandomStream(seed: 3)
            let flow = try NeuralSplineFlow(features: 4, layers: 2, hidden: 8, bins: 5, tailBound: 3, affine: affine)
                .makeFlow(random: &random, on: Self.cpu)
            let splines = flow.chain.transforms.compactMap { $0 as? SplineCoupling }
            #expect(splines.count == 2)
            #expect(flow.chain.transforms.count == (affine ? 4 : 2))
            let x = try random.next([64, 4], .normal, on: Self.cpu)
            let input = try x.toArray()
            for spline in splines {
                let result = try spline.transform(x)
                let largestMove = zip(try result.output.toArray(), input).map { abs($0 - $1) }.max() ?? 0
                let largestLogDet = try result.logDet.toArray().map(abs).max() ?? 0
                if affine {
                    #expect(largestMove < 1e-5 && largestLogDet < 1e-5, "\(spline.name): moved \(largestMove), log-det \(largestLogDet)")
                } else {
                    #expect(largestMove > 1e-2, "\(spline.name): the default start should not be the identity")
                }
            }
        }
    }

    /// W4's layout: the squeeze index convention, then channels 2–3 of level 1 leave first as z1.
    @Test(arguments: TestDevices.all)
    func multiScaleLatentOrder(_ d: TestDevice) throws {
        let multiScale = try MultiScale(inputShape: [1, 4, 4], levels: [.init(steps: []), .init(steps: [])])
        let values = (0..<32).map(Float.init)
        let x = try Tensor(values, shape: [2, 1, 4, 4], on: d.device)
        let z = try multiScale.transform(x).output.toArray()
        var expected: [Float] = []
        for b in 0..<2 {
            let image = { (i: Int, j: Int) in values[b * 16 + i * 4 + j] }
            // Level 1: squeezed[c'=2dy+dx, i, j] = x[2i+dy, 2j+dx]; z1 = channels 2, 3 (dy = 1).
            for dx in 0..<2 { for i in 0..<2 { for j in 0..<2 { expected.append(image(2 * i + 1, 2 * j + dx)) } } }
            // Level 2 squeezes channels 0, 1 (dy = 0) of [2, 2, 2]: out[4c + 2ey + ex] = s[c, ey, ex].
            for c in 0..<2 { for ey in 0..<2 { for ex in 0..<2 { expected.append(image(2 * ey, 2 * ex + c)) } } }
        }
        #expect(z == expected)
        let back = try multiScale.inverse(try Tensor(z, shape: [2, 16], on: d.device), context: nil).output
        #expect(try back.toArray() == values)
    }

    /// Glow/W4's interleaved read of the conditioner output: `t = h[:, 0::2]`, `ŝ = h[:, 1::2]`.
    @Test(arguments: TestDevices.all)
    func channelMaskInterleavedPieces(_ d: TestDevice) throws {
        let mask = try ChannelMask(channels: 6, interleaved: true, on: d.device)
        let h = try Tensor((0..<24).map(Float.init), shape: [1, 6, 2, 2], on: d.device)
        let pieces = try mask.pieces(of: h, count: 2)
        let channel = { (c: Int) in (0..<4).map { Float(c * 4 + $0) } }
        #expect(try pieces[0].toArray() == channel(0) + channel(2) + channel(4))
        #expect(try pieces[1].toArray() == channel(1) + channel(3) + channel(5))
        #expect(try mask.piecesBackward(pieces).toArray() == (try h.toArray()))
    }

    /// Checkerboard: the kept part is the even pixels, the conditioner input zeroes the others.
    @Test(arguments: TestDevices.all)
    func checkerboardMaskPositions(_ d: TestDevice) throws {
        let mask = try CheckerboardMask(channels: 1, height: 2, width: 3, on: d.device)
        let x = try Tensor([1, 2, 3, 4, 5, 6], shape: [1, 1, 2, 3], on: d.device)
        let (kept, transformed) = try mask.split(x)
        #expect(try kept.toArray() == [1, 3, 5])
        #expect(try transformed.toArray() == [2, 4, 6])
        #expect(try mask.conditionerInput(kept).toArray() == [1, 0, 3, 0, 5, 0])
        #expect(try mask.merge(kept: kept, transformed: transformed).toArray() == [1, 2, 3, 4, 5, 6])
    }

    static func data(_ preset: PresetCase, batch: Int, random: inout RandomStream, on device: any Device) throws -> Tensor {
        try random.uniform([batch] + preset.eventShape, low: -0.5, high: 0.5, on: device)
    }

    @Test(arguments: TestDevices.all, PresetCase.all)
    func logProbAndGradients(_ d: TestDevice, _ preset: PresetCase) throws {
        var random = RandomStream(seed: 7)
        let flow = try preset.build(d.device, &random)
        let x = try Self.data(preset, batch: 4, random: &random, on: d.device)
        let logProb = try flow.logProb(x)
        #expect(logProb.shape == [4])
        #expect(try logProb.toArray().allSatisfy(\.isFinite))
        flow.zeroGrad()
        let (loss, grads) = try flow.meanNLLBackward(x)
        #expect(try loss.toArray().allSatisfy(\.isFinite))
        #expect(grads.input.shape == x.shape)
        for parameter in flow.parameters {
            guard let grad = parameter.grad else {
                Issue.record("\(preset): \(parameter.name) received no gradient")
                continue
            }
            #expect(try grad.toArray().allSatisfy(\.isFinite), "\(preset): non-finite gradient for \(parameter.name)")
        }
    }

    /// float32 through the inverse and back: log-densities of about −100 agree to ~1e-3 relative.
    @Test(arguments: TestDevices.all, PresetCase.all)
    func sampleAndLogProbAgreesWithLogProb(_ d: TestDevice, _ preset: PresetCase) throws {
        var random = RandomStream(seed: 11)
        let flow = try preset.build(d.device, &random)
        _ = try flow.logProb(Self.data(preset, batch: 8, random: &random, on: d.device))  // ActNorm's data-dependent init
        let (samples, logProb) = try flow.sampleAndLogProb(5, random: &random, on: d.device)
        #expect(samples.shape == [5] + preset.eventShape)
        let reported = try logProb.toArray()
        let recomputed = try flow.logProb(samples).toArray()
        for (a, b) in zip(reported, recomputed) {
            #expect(a.isFinite && abs(a - b) <= 1e-2 + 1e-3 * abs(b), "\(preset): sampleAndLogProb \(a), logProb \(b)")
        }
    }
}
