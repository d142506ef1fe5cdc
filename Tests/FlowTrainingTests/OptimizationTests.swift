import FlowLayers
import FlowRuntime
import Foundation
import Testing

@testable import FlowTraining

struct OptimizationTests {
    @Test func warmupThenCosineDecay() {
        let schedule = LearningRateSchedule(base: 1e-3, warmupSteps: 10, decay: .cosine, totalSteps: 110, minimumFactor: 0.1)
        #expect(abs(schedule.rate(at: 1) - 1e-4) < 1e-12)
        #expect(abs(schedule.rate(at: 10) - 1e-3) < 1e-12)
        #expect(abs(schedule.rate(at: 60) - 1e-3 * (0.1 + 0.9 * 0.5)) < 1e-12)
        #expect(abs(schedule.rate(at: 110) - 1e-4) < 1e-12)
        #expect(abs(schedule.rate(at: 500) - 1e-4) < 1e-12)
    }

    @Test func stepDecay() {
        let schedule = LearningRateSchedule(base: 1, decay: .step, stepSize: 100, gamma: 0.5)
        #expect(schedule.rate(at: 99) == 1)
        #expect(schedule.rate(at: 100) == 0.5)
        #expect(schedule.rate(at: 250) == 0.25)
    }

    @Test func gradientNormAndClipping() throws {
        let device = try DeviceRegistry.device(named: "cpu")
        let a = Parameter("a", try Tensor([1, 2], shape: [2], on: device))
        let b = Parameter("b", try Tensor([0], shape: [1], on: device))
        let c = Parameter("c", try Tensor([5], shape: [1], on: device))
        try a.accumulate(Tensor([3, 4], shape: [2], on: device))
        try b.accumulate(Tensor([12], shape: [1], on: device))
        let parameters = [a, b, c]  // c has no gradient
        #expect(abs(try parameters.gradientNorm() - 13) < 1e-5)
        try parameters.scaleGradients(by: 0.5)
        #expect(try a.grad?.toArray() == [1.5, 2])
        try b.accumulate(Tensor([Float.nan], shape: [1], on: device))
        #expect(try !parameters.gradientNorm().isFinite)
    }

    /// The optimizer updates its tensors as grouped ops, which must change nothing: a parameter
    /// listed twice is updated twice in turn (each entry with its own moments), and parameters
    /// on different devices each go to their own device, exactly as one `adamStep` at a time.
    @Test func groupedUpdatesMatchOneAtATime() throws {
        let devices = try DeviceRegistry.available().filter { $0.kind == .cpu || $0.kind == .opencl }.map {
            try DeviceRegistry.device(named: $0.selector)
        }
        func parameters() throws -> [Parameter] {
            try (0..<5).map { index in
                let device = devices[min(index / 3, devices.count - 1)]  // p0…p2 on the CPU, p3, p4 on OpenCL when present
                let values = (0..<(3 + index)).map { Float($0) * 0.25 - Float(index) }
                return Parameter("p\(index)", try Tensor(values, shape: [values.count], on: device))
            }
        }
        func setGradients(_ list: [Parameter]) throws {
            for (index, parameter) in list.enumerated() {
                parameter.zeroGrad()
                let values = (0..<parameter.value.count).map { Float($0 % 3) - 0.5 + Float(index) * 0.1 }
                try parameter.accumulate(Tensor(values, shape: [values.count], on: parameter.value.device))
            }
        }
        let (grouped, single) = (try parameters(), try parameters())
        // p0 appears twice (with its gradient once: accumulate happens per parameter object).
        let adam = try Adam(parameters: grouped + [grouped[0]])
        let moments = try single.map { (try $0.value.zerosLike(), try $0.value.zerosLike()) }
        let extra = (try single[0].value.zerosLike(), try single[0].value.zerosLike())
        for step in 1...3 {
            try setGradients(grouped)
            try setGradients(single)
            try adam.update(learningRate: 1e-2)
            let hyper = AdamHyper(learningRate: 1e-2, step: step)
            for (index, parameter) in single.enumerated() {
                let grad = try #require(parameter.grad)
                try Tensor.adamStep(param: parameter.value, grad: grad, m: moments[index].0, v: moments[index].1, hyper: hyper)
            }
            try Tensor.adamStep(param: single[0].value, grad: try #require(single[0].grad), m: extra.0, v: extra.1, hyper: hyper)
        }
        for (a, b) in zip(grouped, single) {
            #expect(try a.value.toArray().map(\.bitPattern) == b.value.toArray().map(\.bitPattern), "\(a.name)")
        }
    }

    /// Three Adam steps against the update written out in Double (PyTorch's formula).
    @Test func adamFollowsPyTorchsUpdate() throws {
        let device = try DeviceRegistry.device(named: "cpu")
        let parameter = Parameter("w", try Tensor([0.5, -1], shape: [2], on: device))
        let adam = try Adam(parameters: [parameter])
        var (p, m, v) = ([0.5, -1.0], [0.0, 0.0], [0.0, 0.0])
        for t in 1...3 {
            let g = [0.1 * Double(t), -0.3]
            parameter.zeroGrad()
            try parameter.accumulate(Tensor(g.map(Float.init), shape: [2], on: device))
            try adam.update(learningRate: 1e-2)
            for i in 0..<2 {
                m[i] = 0.9 * m[i] + 0.1 * g[i]
                v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i]
                let mHat = m[i] / (1 - pow(0.9, Double(t)))
                let vHat = v[i] / (1 - pow(0.999, Double(t)))
                p[i] -= 1e-2 * mHat / (vHat.squareRoot() + 1e-8)
            }
        }
        let result = try parameter.value.toArray()
        for i in 0..<2 { #expect(abs(Double(result[i]) - p[i]) < 1e-6) }
        #expect(adam.step == 3)
    }
}
