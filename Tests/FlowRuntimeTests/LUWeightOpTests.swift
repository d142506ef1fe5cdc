import FlowRuntime
import FlowTestSupport
import Testing

/// `Tensor.luWeight` and its backward, through the device's `LUWeightCapable` (kernel devices) and
/// through the fallback that defines them, against `ReferenceLUWeight` (every matrix written out
/// in Double). Sizes 1 to 17 channels with random permutations, signs of both kinds, and entries
/// in the unused triangles that must be ignored.
@Suite struct LUWeightOpTests {
    /// `LUWeightCase.forward` through both paths (the comparisons `flowkit check` reports too).
    @Test(arguments: TestDevices.all, [true, false])
    func weightAndLogDetMatchReference(_ d: TestDevice, usingCapability: Bool) throws {
        for c in LUWeightCase.forward {
            expect(try c.runForward(on: d, usingCapability: usingCapability), "\(c), capability \(usingCapability)")
        }
    }

    /// `LUWeightCase.backward` through both paths (the comparisons `flowkit check` reports too).
    @Test(arguments: TestDevices.all, [true, false])
    func gradientsMatchReference(_ d: TestDevice, usingCapability: Bool) throws {
        for c in LUWeightCase.backward {
            expect(try c.runBackward(on: d, usingCapability: usingCapability), "\(c), capability \(usingCapability)")
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
