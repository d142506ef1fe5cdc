@testable import FlowOpenCL
import FlowRuntime
import FlowTestSupport
import Testing

/// `Tensor.mlpAffineCoupling` and its backward, the intent-level op behind vector couplings with
/// an MLP conditioner: through the device's capability (the CPU's fused op) and through the
/// fallback, on every device, against a plain double-precision transcription (`Reference`), on
/// batches off every block size (1 row, 37, 83, and 600, which the CPU cuts across its threads so
/// the weight gradients are summed from partial sums), hidden widths of 1 and 70, no hidden layer,
/// context or none, half and alternating columns, and every scale, order and parameter layout.
@Suite struct MLPCouplingOpTests {
    typealias Case = MLPCouplingShape

    static let cases = [
        Case(rows: 83, kept: [0, 1], transformed: [2, 3, 4], contextFeatures: 0, hidden: [70, 1], scale: .expTanh, order: .scaleThenShift, shiftFirst: false),
        Case(rows: 600, kept: [0, 2, 4], transformed: [1, 3, 5], contextFeatures: 3, hidden: [70, 70], scale: .sigmoidShifted, order: .shiftThenScale, shiftFirst: true),
        Case(rows: 1, kept: [1], transformed: [0], contextFeatures: 0, hidden: [], scale: .expTanh, order: .shiftThenScale, shiftFirst: true),
        Case(rows: 37, kept: [2], transformed: [0, 1], contextFeatures: 2, hidden: [5], scale: .sigmoidShifted, order: .scaleThenShift, shiftFirst: false),
    ]

    static var arguments: [(TestDevice, Case)] { TestDevices.all.flatMap { device in cases.map { (device, $0) } } }

    @Test(arguments: arguments)
    func forwardInverseAndBackwardMatchTheReference(_ d: TestDevice, _ c: Case) throws {
        var rng = SeededRandom(seed: 97)
        let problem = c.problem(random: &rng)
        let gradY = rng.floats(c.rows * problem.features)
        let gradLogDet = rng.floats(c.rows)
        let expectedForward = Reference.mlpAffineCoupling(problem, inverse: false)
        let expectedInverse = Reference.mlpAffineCoupling(problem, inverse: true)
        let expectedBackward = Reference.mlpAffineCouplingBackward(problem, gradY: gradY, gradLogDet: gradLogDet)
        let (x, context, layers, columns) = try problem.tensors(on: d.device)
        for usingCapability in [true, false] {
            let path = usingCapability ? "capability" : "fallback"
            try d.poisonCache(c.rows * problem.features, c.rows, c.rows * 70)
            let forward = try Tensor.mlpAffineCoupling(
                x, context: context, layers: layers, columns: columns, scale: c.scale, order: c.order, shiftFirst: c.shiftFirst,
                inverse: false, usingCapability: usingCapability)
            try Self.expectNear(forward.output, expectedForward.y, "\(path) y")
            try Self.expectNear(forward.logDet, expectedForward.logDet, "\(path) logDet")
            try Self.expectNear(forward.tape.conditionerOutput, expectedForward.conditionerOutput, "\(path) conditioner output")
            for (index, input) in forward.tape.layerInputs.enumerated() {
                try Self.expectNear(input, expectedForward.layerInputs[index], "\(path) input of layer \(index)")
            }
            let inverse = try Tensor.mlpAffineCoupling(
                x, context: context, layers: layers, columns: columns, scale: c.scale, order: c.order, shiftFirst: c.shiftFirst,
                inverse: true, usingCapability: usingCapability)
            try Self.expectNear(inverse.output, expectedInverse.y, "\(path) inverse")
            try Self.expectNear(inverse.logDet, expectedInverse.logDet, "\(path) inverse logDet")

            try d.poisonCache(c.rows * problem.features, 70 * 71, c.rows * 70)
            let grads = try Tensor.mlpAffineCouplingBackward(
                forward.tape, weights: layers.map(\.weight), gradOutput: try d.tensor(gradY, x.shape),
                gradLogDet: try d.tensor(gradLogDet, [c.rows]), usingCapability: usingCapability)
            try Self.expectNear(grads.input, expectedBackward.x, "\(path) ∂x")
            #expect((grads.context == nil) == (c.contextFeatures == 0), "\(path): a context gradient exactly when there is a context")
            if let gradContext = grads.context { try Self.expectNear(gradContext, expectedBackward.context, "\(path) ∂context") }
            for index in layers.indices {
                try Self.expectNear(grads.weights[index], expectedBackward.weights[index], "\(path) ∂W of layer \(index)")
                try Self.expectNear(grads.biases[index], expectedBackward.biases[index], "\(path) ∂b of layer \(index)")
            }
        }
    }

    /// The CPU's fused forward cuts the rows and runs the products exactly as the fallback's row
    /// chain and coupling do, so the two agree bit for bit (the backward sums the weight
    /// gradients in another order, so it is only close, as checked above).
    @Test(arguments: cases)
    func cpuFusedForwardIsBitIdenticalToTheFallback(_ c: Case) throws {
        let d = try #require(TestDevices.cpu)
        var rng = SeededRandom(seed: 98)
        let (x, context, layers, columns) = try c.problem(random: &rng).tensors(on: d.device)
        for inverse in [false, true] {
            let results = try [true, false].map { usingCapability in
                try Tensor.mlpAffineCoupling(
                    x, context: context, layers: layers, columns: columns, scale: c.scale, order: c.order, shiftFirst: c.shiftFirst,
                    inverse: inverse, usingCapability: usingCapability)
            }
            let (fused, fallback) = (results[0], results[1])
            expectIdentical(try fused.output.toArray(), try fallback.output.toArray(), "y (inverse: \(inverse))")
            expectIdentical(try fused.logDet.toArray(), try fallback.logDet.toArray(), "logDet (inverse: \(inverse))")
        }
    }

    @Test(arguments: TestDevices.all)
    func malformedArgumentsAreRefused(_ d: TestDevice) throws {
        let device = d.device
        let columns = try CouplingColumns(kept: [0], transformed: [1, 2], on: device)
        let x = try Tensor.zeros([4, 3], on: device)
        func layer(_ out: Int, _ inputs: Int) throws -> Tensor.DenseLayer {
            Tensor.DenseLayer(weight: try Tensor.zeros([out, inputs], on: device), bias: try Tensor.zeros([out], on: device))
        }
        let run = { (x: Tensor, context: Tensor?, layers: [Tensor.DenseLayer]) in
            _ = try Tensor.mlpAffineCoupling(
                x, context: context, layers: layers, columns: columns, scale: .expTanh, order: .scaleThenShift, shiftFirst: false)
        }
        try run(x, nil, [try layer(8, 1), try layer(4, 8)])
        #expect(throws: FlowError.self) { try run(try Tensor.zeros([4, 4], on: device), nil, [try layer(4, 1)]) }
        #expect(throws: FlowError.self) { try run(x, nil, []) }
        #expect(throws: FlowError.self) { try run(x, nil, [try layer(8, 2), try layer(4, 8)]) }
        #expect(throws: FlowError.self) { try run(x, nil, [try layer(8, 1), try layer(3, 8)]) }
        #expect(throws: FlowError.self) { try run(x, try Tensor.zeros([3, 2], on: device), [try layer(4, 3)]) }
        #expect(throws: FlowError.self) { try CouplingColumns(kept: [0, 1], transformed: [1, 2], on: device) }
        #expect(throws: FlowError.self) { try CouplingColumns(kept: [], transformed: [0], on: device) }
        let forward = try Tensor.mlpAffineCoupling(
            x, context: nil, layers: [try layer(4, 1)], columns: columns, scale: .expTanh, order: .scaleThenShift, shiftFirst: false)
        #expect(throws: FlowError.self) {
            try Tensor.mlpAffineCouplingBackward(
                forward.tape, weights: [], gradOutput: x, gradLogDet: try Tensor.zeros([4], on: device))
        }
        #expect(throws: FlowError.self) {
            try Tensor.mlpAffineCouplingBackward(
                forward.tape, weights: [try Tensor.zeros([4, 1], on: device)], gradOutput: try Tensor.zeros([4, 2], on: device),
                gradLogDet: try Tensor.zeros([4], on: device))
        }
    }

    static func expectNear(_ actual: Tensor, _ expected: [Double], _ label: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try expectClose(
            actual, expected, rtol: OpTolerance.mlpCouplingRtol, atol: OpTolerance.mlpCouplingAtol(expected), label,
            sourceLocation: sourceLocation)
    }

}

/// On a kernel device the fused op is the MLP's products plus two kernels forward (the gather,
/// the coupling with its log-det) and, backward, per layer the input-gradient product, the weight
/// product and the bias sum (and ReLU's backward for hidden layers) between two kernels: fewer
/// launches than the fallback's op-by-op path, which is what it is for on a GPU.
@Suite struct MLPCouplingLaunchTests {
    @Test(arguments: TestDevices.openCL)
    func fusedOpEnqueuesFewerKernelsThanTheFallback(_ shared: TestDevice) throws {
        // A device of its own: the shared one counts the launches of every test running beside this one.
        let d = TestDevice(try OpenCLDevice(CLPlatform.devices()[shared.info.index]))
        let counting = try #require(d.device as? any KernelLaunchCounting)
        var rng = SeededRandom(seed: 99)
        let problem = Reference.MLPCouplingProblem.random(
            rows: 64, kept: [0], transformed: [1], contextFeatures: 0, hidden: [16, 16], scale: .expTanh, order: .scaleThenShift,
            shiftFirst: false, random: &rng)
        let (x, _, layers, columns) = try problem.tensors(on: d.device)
        let (gradY, gradLogDet) = (try d.tensor(rng.floats(128), [64, 2]), try d.tensor(rng.floats(64), [64]))
        var launches: [Bool: (forward: Int, backward: Int)] = [:]
        for usingCapability in [true, false] {
            let start = counting.kernelLaunches
            let forward = try Tensor.mlpAffineCoupling(
                x, context: nil, layers: layers, columns: columns, scale: .expTanh, order: .scaleThenShift, shiftFirst: false,
                inverse: false, usingCapability: usingCapability)
            let middle = counting.kernelLaunches
            _ = try Tensor.mlpAffineCouplingBackward(
                forward.tape, weights: layers.map(\.weight), gradOutput: gradY, gradLogDet: gradLogDet, usingCapability: usingCapability)
            launches[usingCapability] = (middle - start, counting.kernelLaunches - middle)
        }
        let (fused, fallback) = (try #require(launches[true]), try #require(launches[false]))
        #expect(fused.forward == layers.count + 2, "fused forward: \(fused.forward) launches")
        #expect(fused.backward == 4 * layers.count + 1, "fused backward: \(fused.backward) launches")
        #expect(fused.forward < fallback.forward && fused.backward < fallback.backward, "fused \(fused), fallback \(fallback)")
    }
}
