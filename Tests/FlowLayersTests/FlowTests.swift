import FlowLayers
import FlowRuntime
import FlowTestSupport
import Foundation
import Testing

@testable import FlowOpenCL

/// Flow-level properties: normalisation, sampling consistency, the reversible backward pass and
/// the non-finite diagnostic.
@Suite struct FlowTests {
    /// A 2-D RealNVP-style flow with perturbed (non-identity) parameters.
    static func randomFlow2D(_ device: any Device, layers: Int = 4, seed: UInt64 = 5) throws -> Flow {
        var random = RandomStream(seed: seed)
        var transforms: [any Bijector] = []
        for index in 0..<layers {
            transforms.append(
                try AffineCoupling(
                    name: "coupling\(index)",
                    mask: VectorMask(features: 2, pattern: .half(conditionOnFirst: index % 2 == 0), on: device),
                    conditioner: MLP(name: "coupling\(index).net", sizes: [1, 16, 2], random: &random, on: device)))
        }
        let flow = Flow(transforms: transforms, base: StandardNormal(eventShape: [2]))
        try FlowTestHelpers.perturb(flow.parameters, scale: 0.3, random: &random)
        return flow
    }

    /// Riemann sum of exp(log p) over [−12, 12]² with step 0.04: the tails beyond hold far less
    /// than the 0.01 allowed, and the grid error of a smooth density at this step is ~1e-4.
    @Test(arguments: TestDevices.all)
    func densityIntegratesToOne(_ d: TestDevice) throws {
        let flow = try Self.randomFlow2D(d.device)
        let (limit, step) = (12.0, 0.04)
        let side = Int((2 * limit / step).rounded())
        var points: [Float] = []
        points.reserveCapacity(side * side * 2)
        for i in 0..<side {
            for j in 0..<side {
                points.append(Float(-limit + (Double(i) + 0.5) * step))
                points.append(Float(-limit + (Double(j) + 0.5) * step))
            }
        }
        let logProb = try flow.logProb(Tensor(points, shape: [side * side, 2], on: d.device)).toArray()
        let integral = logProb.reduce(0.0) { $0 + exp(Double($1)) } * step * step
        #expect(abs(integral - 1) <= 0.01, "∫ p = \(integral) on \(d)")
    }

    @Test(arguments: TestDevices.all)
    func sampleAndLogProbAgreeWithLogProb(_ d: TestDevice) throws {
        let flow = try Self.randomFlow2D(d.device)
        var random = RandomStream(seed: 77)
        let (samples, logProb) = try flow.sampleAndLogProb(257, random: &random, on: d.device)
        let direct = try flow.logProb(samples).toArray()
        for (a, b) in zip(try logProb.toArray(), direct) {
            #expect(abs(a - b) <= 1e-4 * max(1, abs(b)), "sampleAndLogProb \(a) vs logProb \(b)")
        }
    }

    @Test(arguments: TestDevices.all)
    func samplingIsReproducibleFromTheStream(_ d: TestDevice) throws {
        let flow = try Self.randomFlow2D(d.device)
        var first = RandomStream(seed: 3)
        var second = RandomStream(seed: 3)
        let a = try flow.sample(10, random: &first, on: d.device).toArray()
        let b = try flow.sample(10, random: &second, on: d.device).toArray()
        #expect(a == b)
        #expect(first == second && first.counter > 0)
    }

    /// A deep vector flow whose activations dwarf its parameters, to measure activation memory.
    static func deepFlow(_ device: any Device, depth: Int, mode: BackwardMode) throws -> Flow {
        var random = RandomStream(seed: 11)
        var transforms: [any Bijector] = []
        for index in 0..<depth {
            transforms.append(
                try AffineCoupling(
                    name: "c\(index)",
                    mask: VectorMask(features: 16, pattern: .alternating(conditionOnEven: index % 2 == 0), on: device),
                    conditioner: MLP(name: "c\(index).net", sizes: [8, 16, 16], random: &random, on: device)))
        }
        let flow = Flow(transforms: transforms, base: StandardNormal(eventShape: [16]), backwardMode: mode)
        try FlowTestHelpers.perturb(flow.parameters, scale: 0.2, random: &random)
        return flow
    }

    @Test(arguments: TestDevices.all)
    func reversibleBackwardMatchesStoredActivations(_ d: TestDevice) throws {
        var random = RandomStream(seed: 21)
        let x = try random.next([64, 16], .normal, on: d.device)
        let stored = try Self.deepFlow(d.device, depth: 6, mode: .storeActivations)
        let reversible = try Self.deepFlow(d.device, depth: 6, mode: .reversible)
        let (lossA, gradsA) = try stored.meanNLLBackward(x)
        let (lossB, gradsB) = try reversible.meanNLLBackward(x)
        #expect(try lossA.toArray() == lossB.toArray())
        // Rebuilding inputs through float32 inverses perturbs them by ~1e-7 relative; gradients
        // agree to 1e-4 relative of their scale.
        for (a, b) in zip(stored.parameters, reversible.parameters) {
            let (ga, gb) = (try a.grad?.toArray() ?? [], try b.grad?.toArray() ?? [])
            let scale = ga.map { abs(Double($0)) }.max() ?? 1
            let worst = zip(ga, gb).map { abs(Double($0) - Double($1)) }.max() ?? 0
            #expect(ga.count == gb.count && worst <= 1e-4 * max(scale, 1e-3), "\(a.name): worst difference \(worst)")
        }
        let (ia, ib) = (try gradsA.input.toArray(), try gradsB.input.toArray())
        #expect(zip(ia, ib).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($0)) })
    }

    /// Peak live device memory of one training step at depth 8 and 16 in both modes: storing
    /// activations grows with depth, the reversible pass stays flat. Runs on a private instance of
    /// the device so that tests running in parallel do not add to its memory counters.
    @Test(arguments: TestDevices.all)
    func reversiblePeakMemoryStaysFlatAsDepthDoubles(_ d: TestDevice) throws {
        let device: any Device = d.isOpenCL ? try OpenCLDevice(CLPlatform.devices()[d.info.index]) : CPUDevice()
        func peak(_ depth: Int, _ mode: BackwardMode) throws -> Int {
            let flow = try Self.deepFlow(device, depth: depth, mode: mode)
            var random = RandomStream(seed: 31)
            let x = try random.next([2048, 16], .normal, on: device)
            try device.synchronize()
            let before = device.memoryUsage.liveBytes
            device.resetPeakMemory()
            _ = try flow.meanNLLBackward(x)
            try device.synchronize()
            return device.memoryUsage.peakBytes - before
        }
        let (stored8, stored16) = (try peak(8, .storeActivations), try peak(16, .storeActivations))
        let (reversible8, reversible16) = (try peak(8, .reversible), try peak(16, .reversible))
        #expect(Double(stored16) >= 1.5 * Double(stored8), "stored activations: \(stored8) → \(stored16) bytes")
        #expect(Double(reversible16) <= 1.15 * Double(reversible8), "reversible: \(reversible8) → \(reversible16) bytes")
        #expect(reversible16 < stored16 / 3)
    }

    @Test(arguments: TestDevices.all)
    func firstNonFiniteNamesTheTransform(_ d: TestDevice) throws {
        let flow = try Self.randomFlow2D(d.device)
        #expect(try flow.firstNonFinite(Tensor([0.5, -0.5], shape: [1, 2], on: d.device)) == nil)
        // Poison the third coupling's last bias: its shift, and so its output, becomes NaN.
        let parameter = flow.parameters.first { $0.name == "coupling2.net.layer1.bias" }
        let poisoned = try #require(parameter)
        poisoned.value = try Tensor([Float.nan, 0], shape: [2], on: d.device)
        #expect(try flow.firstNonFinite(Tensor([0.5, -0.5], shape: [1, 2], on: d.device)) == "flow[2] coupling2")
    }
}
