import FlowRuntime
import FlowTestSupport
import Testing

/// `Tensor.adamSteps`, every parameter tensor's update as one op: bit-identical to `adamStep`
/// tensor by tensor (which `AdamTests` checks against the reference), through the device's
/// capability and through the fallback, on every device. Eleven tensors (more than one kernel
/// launch's eight slots) of sizes off every vector width and chunk size, one of them empty, over
/// three steps with both kinds of weight decay.
@Suite struct AdamGroupTests {
    static let shapes: [[Int]] = [[1], [7], [3, 5], [0], [4097], [8193], [129], [2, 65], [17], [12289], [31]]

    @Test(arguments: TestDevices.all, [true, false])
    func groupedUpdateIsBitIdenticalToOneByOne(_ d: TestDevice, _ decoupled: Bool) throws {
        var rng = SeededRandom(seed: 61)
        let initial = Self.shapes.map { shape in (0..<4).map { _ in rng.floats(shape.reduce(1, *)) } }
        for usingCapability in [true, false] {
            // The same start for the grouped tensors and for the one-by-one ones.
            let grouped = try initial.enumerated().map { index, values in try Self.tensors(values, Self.shapes[index], d) }
            let single = try initial.enumerated().map { index, values in try Self.tensors(values, Self.shapes[index], d) }
            for step in 1...3 {
                let hyper = AdamHyper(learningRate: 1e-2, weightDecay: 0.05, decoupled: decoupled, step: step)
                try Tensor.adamSteps(grouped, hyper: hyper, usingCapability: usingCapability)
                for entry in single {
                    try Tensor.adamStep(param: entry.param, grad: entry.grad, m: entry.m, v: entry.v, hyper: hyper)
                }
            }
            for (index, (a, b)) in zip(grouped, single).enumerated() {
                let label = "tensor \(index) \(Self.shapes[index]), capability \(usingCapability)"
                expectIdentical(try a.param.toArray(), try b.param.toArray(), "\(label): param")
                expectIdentical(try a.m.toArray(), try b.m.toArray(), "\(label): m")
                expectIdentical(try a.v.toArray(), try b.v.toArray(), "\(label): v")
            }
            // Every non-empty parameter moved (an update that skips a tensor would leave it).
            for (index, entry) in grouped.enumerated() where entry.param.count > 0 {
                #expect(try entry.param.toArray() != initial[index][0].map { Float($0) }, "tensor \(index) was not updated")
            }
        }
    }

    @Test(arguments: TestDevices.all)
    func mismatchedTensorsAreRefused(_ d: TestDevice) throws {
        let good = try Self.tensors([[1, 2], [3, 4], [0, 0], [0, 0]], [2], d)
        var bad = good
        bad.m = try Tensor.zeros([3], on: d.device)
        #expect(throws: FlowError.self) { try Tensor.adamSteps([good, bad], hyper: AdamHyper(step: 1)) }
        #expect(throws: FlowError.self) { try Tensor.adamSteps([good], hyper: AdamHyper(step: 0)) }
        try Tensor.adamSteps([], hyper: AdamHyper(step: 1))
    }

    /// param, grad, m and v from four value lists (v made non-negative, as a second moment is).
    static func tensors(_ values: [[Double]], _ shape: [Int], _ d: TestDevice) throws -> Tensor.AdamTensors {
        Tensor.AdamTensors(
            param: try d.tensor(values[0], shape), grad: try d.tensor(values[1], shape), m: try d.tensor(values[2], shape),
            v: try d.tensor(values[3].map(abs), shape))
    }
}
