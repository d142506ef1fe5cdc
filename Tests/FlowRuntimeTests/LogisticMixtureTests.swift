import FlowRuntime
import FlowTestSupport
import Foundation
import Testing

@Suite struct LogisticMixtureTests {
    /// Forward and inverse on `LogisticMixtureCase.shapes` (the comparisons `flowkit check` reports too).
    @Test(arguments: TestDevices.all, LogisticMixtureCase.standard)
    func forwardAndInverseMatchReference(_ d: TestDevice, _ c: LogisticMixtureCase) throws {
        for shape in LogisticMixtureCase.shapes {
            expect(try c.forwardInverse(on: d, shape: shape), "\(c) \(shape)")
        }
    }

    /// inverse(forward(x)) = x on the device alone, and the two log-dets cancel.
    @Test(arguments: TestDevices.all, LogisticMixtureCase.standard)
    func inverseUndoesForward(_ d: TestDevice, _ c: LogisticMixtureCase) throws {
        let shape = [19, 23]
        let spec = c.spec(shape)
        let data = c.data(spec.count, seed: 71)
        let p = try d.tensor(data.parameters, shape + [c.per])
        let forward = try d.tensor(data.x, shape).logisticMixture(parameters: p, options: c.options)
        let back = try forward.output.logisticMixture(parameters: p, options: c.options, inverse: true)
        let xTolerance = mixtureInverseTolerance(c, x: data.x, parameters: data.parameters)
        try expectClose(back.output, data.x, rtol: 0, atol: xTolerance, "\(c) round trip")
        // The log-dets cancel up to x's error times the slope of log dy/dx (central differences of the reference).
        let slopeOfLog = (0..<spec.count).map { i -> Double in
            let slice = c.slice(data.parameters, i)
            return abs(
                FiniteDifference.gradient(
                    of: { Reference.logisticMixtureElement($0[0], slice, c.options, inverse: false).1 }, at: [data.x[i]])[0])
        }
        let base = mixtureLogDetTolerance(c, spec, x: data.x, parameters: data.parameters)
        let allowed = (0..<spec.rows).map { r in
            2 * base[r] + (0..<spec.columns).reduce(0.0) { $0 + slopeOfLog[r * spec.columns + $1] * xTolerance[r * spec.columns + $1] }
        }
        try expectClose(back.logDet, try forward.logDet.values().map { -$0 }, rtol: 0, atol: allowed, "\(c) logDet cancels")
    }

    /// The device log-det against the log of a central finite-difference slope of the Double
    /// reference's y (so the reference's closed-form log-det is checked too).
    @Test(arguments: TestDevices.all, LogisticMixtureCase.standard)
    func logDetMatchesFiniteDifferenceSlope(_ d: TestDevice, _ c: LogisticMixtureCase) throws {
        let shape = [7, 11]
        let spec = c.spec(shape)
        let data = c.data(spec.count, seed: 72)
        let forward = try d.tensor(data.x, shape).logisticMixture(
            parameters: d.tensor(data.parameters, shape + [c.per]), options: c.options)
        var expected = [Double](repeating: 0, count: shape[0])
        for i in 0..<spec.count {
            let slice = c.slice(data.parameters, i)
            let slope = FiniteDifference.gradient(
                of: { Reference.logisticMixtureValue($0[0], slice, c.options) }, at: [data.x[i]])[0]
            expected[i / spec.columns] += log(slope)
        }
        // The finite difference of y is good to ~1e-9 relative: the device's tolerance dominates.
        try expectClose(
            forward.logDet, expected, rtol: 0, atol: mixtureLogDetTolerance(c, spec, x: data.x, parameters: data.parameters),
            "\(c) logDet vs FD")
    }

    /// Two runs of the same op give bit-identical outputs and log-dets (fixed-order reductions).
    @Test(arguments: TestDevices.all)
    func deterministic(_ d: TestDevice) throws {
        let c = LogisticMixtureCase(options: LogisticMixtureOptions(components: 5))
        let shape = [9, 301]
        let data = c.data(9 * 301, seed: 73)
        let (x, p) = (try d.tensor(data.x, shape), try d.tensor(data.parameters, shape + [c.per]))
        for inverse in [false, true] {
            let first = try x.logisticMixture(parameters: p, options: c.options, inverse: inverse)
            let second = try x.logisticMixture(parameters: p, options: c.options, inverse: inverse)
            expectIdentical(try second.output.toArray(), try first.output.toArray(), "inverse=\(inverse) y")
            expectIdentical(try second.logDet.toArray(), try first.logDet.toArray(), "inverse=\(inverse) logDet")
        }
    }

    @Test(arguments: TestDevices.all)
    func rejectsBadArguments(_ d: TestDevice) throws {
        let x = try d.tensor([0, 1, 2, 3, 4, 5], [2, 3])
        let good = LogisticMixtureOptions(components: 2)
        let p = try d.tensor([Double](repeating: 0, count: 6 * 8), [2, 3, 8])
        #expect(throws: FlowError.self) { try x.logisticMixture(parameters: p, options: LogisticMixtureOptions(components: 0)) }
        #expect(throws: FlowError.self) {
            try x.logisticMixture(parameters: p, options: LogisticMixtureOptions(components: 2, inverseIterations: 0))
        }
        #expect(throws: FlowError.self) {
            try x.logisticMixture(parameters: p, options: LogisticMixtureOptions(components: 2, minLogScale: .nan))
        }
        for bound: Float in [0, -1, .infinity, .nan] {
            #expect(throws: FlowError.self, "maxAffineLogScale \(bound)") {
                try x.logisticMixture(parameters: p, options: LogisticMixtureOptions(components: 2, maxAffineLogScale: bound))
            }
        }
        // 3K + 2 = 8 per element for K = 2; 7 is one short.
        let short = try d.tensor([Double](repeating: 0, count: 6 * 7), [2, 3, 7])
        #expect(throws: FlowError.self) { try x.logisticMixture(parameters: short, options: good) }
        #expect(throws: FlowError.self) {
            try Tensor.logisticMixtureBackward(
                input: x, parameters: p, options: good, gradOutput: d.tensor([0, 0, 0], [3]), gradLogDet: d.tensor([0, 0], [2]))
        }
        _ = try x.logisticMixture(parameters: p, options: good)
    }
}
