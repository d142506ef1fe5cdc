import FlowRuntime
import FlowTestSupport
import Testing

@testable import FlowOpenCL

/// `Tensor.mlpAffineCoupling` and its backward, the intent-level op behind vector couplings with
/// an MLP conditioner: through the device's capability (the CPU's fused op) and through the
/// fallback, on every device, against a plain double-precision transcription (`Reference`), on
/// batches off every block size (1 row, 37, 83, and 600, which the CPU cuts across its threads so
/// the weight gradients are summed from partial sums), hidden widths of 1 and 70, no hidden layer,
/// context or none, half and alternating columns, and every scale, order and parameter layout.
@Suite struct MLPCouplingOpTests {
    typealias Case = MLPCouplingShape

    static let cases = MLPCouplingCase.all.map(\.shape)

    /// `MLPCouplingCase.all` through both paths (the comparisons `flowkit check` reports too).
    @Test(arguments: TestDevices.all, MLPCouplingCase.all)
    func forwardInverseAndBackwardMatchTheReference(_ d: TestDevice, _ c: MLPCouplingCase) throws {
        for usingCapability in [true, false] {
            expect(try c.run(on: d, usingCapability: usingCapability), usingCapability ? "capability" : "fallback")
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
