import FlowRuntime
import FlowTestSupport
import Testing

/// The contract promises a fixed reduction order with no floating-point atomics: the same inputs
/// give bit-identical outputs on the same device from run to run. Each reduction-heavy op runs
/// twice on fresh buffers and the results must match bit for bit.
@Suite struct DeterminismTests {
    private func twice(_ label: String, _ run: () throws -> Tensor) throws {
        let first = try run().toArray()
        let second = try run().toArray()
        expectIdentical(second, first, "\(label) run twice")
    }

    @Test(arguments: TestDevices.all)
    func reductionsAreBitIdentical(_ d: TestDevice) throws {
        var rng = SeededRandom(seed: 101)
        let long = try d.tensor(rng.floats(3 * 100_003), [3, 100_003])
        try twice("perSampleSum [3, 100003]") { try long.perSampleSum() }
        try twice("sum [3, 100003]") { try long.sum() }
        try twice("normalLogProb [3, 100003]") { try long.normalLogProb() }
        let images = try d.tensor(rng.floats(64 * 33 * 17 * 17), [64, 33, 17, 17])
        try twice("channelSum [64, 33, 17, 17]") { try images.channelSum() }
        try twice("channelSum squared [64, 33, 17, 17]") { try images.channelSum(squared: true) }
        let wide = try d.tensor(rng.floats(4099 * 65), [4099, 65])
        try twice("featureSum [4099, 65]") { try wide.featureSum() }
    }

    @Test(arguments: TestDevices.all)
    func convolutionGradientsAreBitIdentical(_ d: TestDevice) throws {
        var rng = SeededRandom(seed: 102)
        let input = try d.tensor(rng.floats(8 * 16 * 24 * 24), [8, 16, 24, 24])
        let weight = try d.tensor(rng.floats(32 * 16 * 3 * 3), [32, 16, 3, 3])
        let gradOutput = try d.tensor(rng.floats(8 * 32 * 24 * 24), [8, 32, 24, 24])
        let backward = {
            try Tensor.conv2dBackward(input: input, weight: weight, hasBias: true, gradOutput: gradOutput)
        }
        try twice("conv2dBackward ∂weight") { try backward().weight }
        try twice("conv2dBackward ∂bias") { try #require(try backward().bias) }
        try twice("conv2dBackward ∂input") { try backward().input }
        let sequence = try d.tensor(rng.floats(4 * 16 * 1000), [4, 16, 1000])
        let causalWeight = try d.tensor(rng.floats(16 * 16 * 2), [16, 16, 2])
        let causalGrad = try d.tensor(rng.floats(4 * 16 * 1000), [4, 16, 1000])
        try twice("conv1dCausalBackward ∂weight") {
            try Tensor.conv1dCausalBackward(
                input: sequence, weight: causalWeight, hasBias: false, gradOutput: causalGrad, dilation: 8
            ).weight
        }
    }

    @Test(arguments: TestDevices.all)
    func parameterGradientsAreBitIdentical(_ d: TestDevice) throws {
        var rng = SeededRandom(seed: 103)
        let shape = [64, 16, 12, 12]
        let count = shape.reduce(1, *)
        let (x, gradY) = (try d.tensor(rng.floats(count), shape), try d.tensor(rng.floats(count), shape))
        let (loc, logScale) = (try d.tensor(rng.floats(16), [16]), try d.tensor(rng.floats(16), [16]))
        let gradLogDet = try d.tensor(rng.floats(64), [64])
        try twice("actNormBackward ∂logScale") {
            try Tensor.actNormBackward(input: x, loc: loc, logScale: logScale, gradOutput: gradY, gradLogDet: gradLogDet)
                .logScale
        }
        try twice("preluBackward ∂slope") { try Tensor.preluBackward(input: x, slope: loc, gradOutput: gradY).slope }
        let rows = try d.tensor(rng.floats(4099 * 33), [4099, 33])
        let w = try d.tensor(rng.floats(17 * 33), [17, 33])
        let g = try d.tensor(rng.floats(4099 * 17), [4099, 17])
        try twice("linearBackward ∂W") { try Tensor.linearBackward(input: rows, weight: w, hasBias: true, gradOutput: g).weight }
    }
}
