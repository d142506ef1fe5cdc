import FlowRuntime
import FlowTestSupport
import Testing

/// `Tensor.luWeight` and its backward, through the device's `LUWeightCapable` (kernel devices) and
/// through the fallback that defines them, against `ReferenceLUWeight` (every matrix written out
/// in Double). Sizes 1 to 17 channels with random permutations, signs of both kinds, and entries
/// in the unused triangles that must be ignored.
@Suite struct LUWeightOpTests {
    private static let channelCounts = [1, 2, 3, 5, 8, 17]

    @Test(arguments: TestDevices.all, [true, false])
    func weightAndLogDetMatchReference(_ d: TestDevice, usingCapability: Bool) throws {
        var rng = SeededRandom(seed: 51)
        for n in Self.channelCounts {
            let reference = ReferenceLUWeight.random(channels: n, random: &rng)
            let parts = try reference.parts(on: d.device)
            for (batch, scale) in [(1, 16.0), (5, -4.0)] {
                let result = try Tensor.luWeight(parts, batch: batch, logDetScale: Float(scale), usingCapability: usingCapability)
                let what = "\(n) channels, capability \(usingCapability)"
                try expectClose(result.weight, reference.weight, rtol: OpTolerance.luWeightRtol, atol: reference.weightTolerance, "weight, \(what)")
                let logDet = [Double](repeating: scale * reference.logS.reduce(0, +), count: batch)
                try expectClose(result.logDet, logDet, rtol: OpTolerance.luWeightRtol, atol: reference.logDetTolerance(logDetScale: scale), "logDet, \(what)")
            }
        }
    }

    @Test(arguments: TestDevices.all, [true, false])
    func gradientsMatchReference(_ d: TestDevice, usingCapability: Bool) throws {
        var rng = SeededRandom(seed: 52)
        for n in Self.channelCounts {
            let reference = ReferenceLUWeight.random(channels: n, random: &rng)
            let (batch, scale) = (3, 9.0)
            let (gradWeight, gradLogDet) = (rng.floats(n * n), rng.floats(batch))
            let tape = try Tensor.luWeight(reference.parts(on: d.device), batch: batch, logDetScale: Float(scale), usingCapability: usingCapability).tape
            let grads = try Tensor.luWeightBackward(
                tape, gradWeight: Tensor(gradWeight.map(Float.init), shape: [n, n], on: d.device),
                gradLogDet: Tensor(gradLogDet.map(Float.init), shape: [batch], on: d.device))
            let expected = reference.gradients(gradWeight: gradWeight, gradLogDet: gradLogDet, logDetScale: scale)
            let atol = reference.gradientTolerances(gradWeight: gradWeight, gradLogDet: gradLogDet, logDetScale: scale)
            let what = "\(n) channels, capability \(usingCapability)"
            try expectClose(grads.lower, expected.lower, rtol: OpTolerance.luWeightRtol, atol: atol.lower, "∂lower, \(what)")
            try expectClose(grads.upper, expected.upper, rtol: OpTolerance.luWeightRtol, atol: atol.upper, "∂upper, \(what)")
            try expectClose(grads.logS, expected.logS, rtol: OpTolerance.luWeightRtol, atol: atol.logS, "∂logS, \(what)")
        }
    }

    /// Gradients shaped for another weight or batch than the forward's are refused.
    @Test(arguments: TestDevices.all)
    func mismatchedGradientsAreRefused(_ d: TestDevice) throws {
        var rng = SeededRandom(seed: 54)
        let parts = try ReferenceLUWeight.random(channels: 4, random: &rng).parts(on: d.device)
        let tape = try Tensor.luWeight(parts, batch: 3, logDetScale: 1).tape
        let (square, wrongSquare) = (try Tensor.zeros([4, 4], on: d.device), try Tensor.zeros([3, 3], on: d.device))
        let (logDet, wrongLogDet) = (try Tensor.zeros([3], on: d.device), try Tensor.zeros([2], on: d.device))
        #expect(throws: FlowError.self) { try Tensor.luWeightBackward(tape, gradWeight: wrongSquare, gradLogDet: logDet) }
        #expect(throws: FlowError.self) { try Tensor.luWeightBackward(tape, gradWeight: square, gradLogDet: wrongLogDet) }
        _ = try Tensor.luWeightBackward(tape, gradWeight: square, gradLogDet: logDet)
    }

    /// A row order that is not a permutation is refused, naming it.
    @Test func badRowOrderIsRefused() throws {
        guard let cpu = TestDevices.cpu else { try Test.cancel("no CPU device") }
        for order in [[0, 0], [0, 2], [-1, 0]] {
            #expect(throws: FlowError.self) { try LUPermutation(rowOrder: order, on: cpu.device, op: "test") }
        }
    }
}
