import FlowLayers
import FlowRuntime
import FlowTestSupport
import Foundation
import Testing

/// Dequantization, range scaling, logit and bits/dim. Dequantization draws new noise at every
/// forward pass, so the generic harness cannot test it: here its noise stream is reset before each
/// evaluation, which makes the forward pass a fixed affine map that finite differences can probe.
@Suite struct PreprocessingTests {
    /// Integer data `[batch] + shape` in `0..<levels`.
    static func integers(_ shape: [Int], levels: Int, seed: UInt64, on device: any Device) throws -> Tensor {
        var rng = SeededRandom(seed: seed)
        let count = shape.reduce(1, *)
        return try Tensor((0..<count).map { _ in Float(rng.int(in: 0...(levels - 1))) }, shape: shape, on: device)
    }

    @Test(arguments: TestDevices.all, [(levels: 8, offset: Float(0)), (levels: 17, offset: Float(-0.5))])
    func dequantizationRoundTripsThroughQuantize(_ d: TestDevice, _ form: (levels: Int, offset: Float)) throws {
        let v = try Self.integers([4, 1, 8, 8], levels: form.levels, seed: 5, on: d.device)
        let layer = try UniformDequantization(levels: form.levels, offset: form.offset, noise: RandomStream(seed: 77))
        let result = try layer.transform(v)
        let x = try result.output.toArray()
        #expect(x.allSatisfy { $0 >= form.offset && $0 < form.offset + 1 }, "x outside [offset, offset + 1)")
        let values = try v.toArray()
        let cells = zip(x, values).map { (Double($0) - Double(form.offset)) * Double(form.levels) - Double($1) }
        #expect(cells.allSatisfy { $0 >= -1e-5 && $0 < 1 + 1e-5 }, "x·L − v outside [0, 1)")
        let back = try layer.inverse(result.output, context: nil)
        #expect(try layer.quantize(back.output).toArray() == values)
        let expected = -64 * log(Double(form.levels))
        for (forward, inverse) in zip(try result.logDet.toArray(), try back.logDet.toArray()) {
            #expect(abs(Double(forward) - expected) <= 1e-5 * abs(expected))
            #expect(abs(Double(forward) + Double(inverse)) <= 1e-5 * abs(expected))
        }
    }

    @Test(arguments: TestDevices.all)
    func dequantizationDrawsFreshReproducibleNoise(_ d: TestDevice) throws {
        let v = try Self.integers([2, 6], levels: 256, seed: 6, on: d.device)
        let layer = try UniformDequantization(bits: 8, noise: RandomStream(seed: 3))
        let start = layer.noise
        let first = try layer.transform(v).output.toArray()
        #expect(layer.noise.counter > start.counter)
        let second = try layer.transform(v).output.toArray()
        #expect(first != second)
        layer.noise = start
        #expect(try layer.transform(v).output.toArray() == first)
        // The stream position is checkpoint state: importing it resumes the same noise.
        let saved = try layer.exportState()
        let resumed = try UniformDequantization(bits: 8, noise: RandomStream(seed: 999))
        try resumed.importState(saved)
        #expect(try resumed.transform(v).output.toArray() == second)
    }

    /// With the noise fixed the forward map is `x = (v + u)/L + offset`: its log-det against the
    /// brute-force Jacobian, and the backward (`∂L/∂v = gy/L`).
    @Test(arguments: TestDevices.all)
    func dequantizationLogDetAndBackwardMatchFiniteDifferences(_ d: TestDevice) throws {
        let v = try Self.integers([1, 5], levels: 17, seed: 7, on: d.device)
        let layer = try UniformDequantization(levels: 17, offset: -0.5, noise: RandomStream(seed: 11))
        let start = layer.noise
        let reported = Double(try layer.transform(v).logDet.toArray()[0])
        let columns = try NumericalDerivatives.jacobian(dimension: 5) { delta in
            layer.noise = start
            return try FlowTestHelpers.doubles(layer.transform(FlowTestHelpers.shifted(v, by: delta)).output)
        }
        let bruteForce = NumericalDerivatives.logAbsDeterminant(columns: columns)
        #expect(FlowTestHelpers.close(reported, bruteForce, rtol: 2e-3, atol: 2e-3), "log-det \(reported), brute force \(bruteForce)")
        #expect(abs(reported + 5 * log(17.0)) < 1e-5)

        layer.noise = start
        let (_, tape) = try layer.forward(v, context: nil)
        let gy = try Tensor([1, -2, 0.5, 3, -1], shape: [1, 5], on: d.device)
        let grads = try layer.backward(tape, gradOutput: gy, gradLogDet: Tensor([1], shape: [1], on: d.device))
        for (analytic, column) in zip(try grads.input.toArray(), columns.indices) {
            let numeric = zip(columns[column], try FlowTestHelpers.doubles(gy)).reduce(0) { $0 + $1.0 * $1.1 }
            #expect(abs(Double(analytic) - numeric) < 1e-4)
        }
    }

    /// A uniform model of the dequantized data (density 1 on the unit cube the data land in) costs
    /// exactly `log₂ L` bits per dimension: `n` for n-bit data, `log₂ 17 = 4.087` for W4.
    @Test(arguments: TestDevices.all)
    func bitsPerDimOfAUniformModelIsTheBitDepth(_ d: TestDevice) throws {
        for (bits, shape) in [(1, [3, 1, 4, 4]), (5, [3, 2, 4, 4]), (8, [3, 3, 4, 4])] {
            let v = try Self.integers(shape, levels: 1 << bits, seed: UInt64(bits), on: d.device)
            let layer = try UniformDequantization(bits: bits, noise: RandomStream(seed: 1))
            let flow = Flow(transforms: [layer], base: UnitCubeUniform(eventShape: Array(shape.dropFirst()), low: 0))
            for logProb in try flow.logProb(v).toArray() {
                let value = bitsPerDim(nll: -Double(logProb), dimensions: shape.dropFirst().reduce(1, *))
                #expect(abs(value - Double(bits)) <= 1e-6 * Double(bits), "\(bits)-bit data: \(value) bits/dim")
            }
        }
        let digits = try Self.integers([5, 1, 8, 8], levels: 17, seed: 17, on: d.device)
        let w4 = try UniformDequantization(levels: 17, offset: -0.5, noise: RandomStream(seed: 2))
        let flow = Flow(transforms: [w4], base: UnitCubeUniform(eventShape: [1, 8, 8], low: -0.5))
        for logProb in try flow.logProb(digits).toArray() {
            let value = bitsPerDim(nll: -Double(logProb), dimensions: 64)
            #expect(abs(value - log2(17.0)) <= 1e-6 * 4.1)
            #expect(String(format: "%.3f", value) == "4.087")
        }
        #expect(abs(bitsPerDim(nll: 64 * log(17.0), dimensions: 64) - log2(17.0)) < 1e-12)
    }

    @Test(arguments: TestDevices.all)
    func rangeScalingMapsTheRangeToTheUnitInterval(_ d: TestDevice) throws {
        let v = try Self.integers([3, 2, 2, 2], levels: 256, seed: 8, on: d.device)
        let layer = try RangeScaling(low: 0, high: 256)
        let result = try layer.transform(v)
        let (x, values) = (try result.output.toArray(), try v.toArray())
        #expect(zip(x, values).allSatisfy { $0 == $1 / 256 && $0 >= 0 && $0 < 1 })
        #expect(try result.logDet.toArray().allSatisfy { abs(Double($0) + 8 * log(256.0)) < 1e-5 })
        #expect(try layer.inverse(result.output, context: nil).output.toArray() == values)
    }

    /// The logit on data in [0, 1) with the default α = 0.05, against a Double reference; its
    /// backward against finite differences of `L = Σ w·y + Σ g·logDet`.
    @Test(arguments: TestDevices.all)
    func logitMatchesDoubleReference(_ d: TestDevice) throws {
        var rng = SeededRandom(seed: 9)
        let (batch, features, alpha) = (3, 6, 0.05)
        let values = rng.floats(batch * features, in: 0...0.999)
        let x = try Tensor(values.map(Float.init), shape: [batch, features], on: d.device)
        let layer = try LogitTransform()
        let (result, tape) = try layer.forward(x, context: nil)
        let p = values.map { alpha + (1 - 2 * alpha) * $0 }
        for (got, expected) in zip(try result.output.toArray(), p.map { log($0 / (1 - $0)) }) {
            #expect(abs(Double(got) - expected) <= 1e-5 * max(1, abs(expected)))
        }
        for (b, got) in try result.logDet.toArray().enumerated() {
            let expected = p[(b * features)..<((b + 1) * features)].reduce(0) { $0 + log(1 - 2 * alpha) - log($1) - log(1 - $1) }
            #expect(abs(Double(got) - expected) <= 1e-5 * max(1, abs(expected)), "sample \(b): \(got) vs \(expected)")
        }
        let back = try layer.inverse(result.output, context: nil)
        #expect(zip(try back.output.toArray(), values).allSatisfy { abs(Double($0) - $1) < 1e-5 })
        #expect(zip(try back.logDet.toArray(), try result.logDet.toArray()).allSatisfy { abs(Double($0 + $1)) < 1e-4 })

        let w = rng.floats(batch * features)
        let g = rng.floats(batch)
        func loss(_ input: Tensor) throws -> Double {
            let r = try layer.transform(input)
            return zip(try FlowTestHelpers.doubles(r.output), w).reduce(0) { $0 + $1.0 * $1.1 }
                + zip(try FlowTestHelpers.doubles(r.logDet), g).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let grads = try layer.backward(
            tape, gradOutput: Tensor(w.map(Float.init), shape: x.shape, on: d.device),
            gradLogDet: Tensor(g.map(Float.init), shape: [batch], on: d.device))
        var directions = SeededRandom(seed: 10)
        // Steps of at most 0.02 keep p = α + (1 − 2α)·x inside (0, 1) for x in [0, 1).
        let direction = directions.unitVector(values.count)
        let numeric = try NumericalDerivatives.derivative { t in try loss(FlowTestHelpers.shifted(x, by: direction.map { $0 * t })) }
        let projected = zip(try FlowTestHelpers.doubles(grads.input), direction).reduce(0) { $0 + $1.0 * $1.1 }
        #expect(FlowTestHelpers.close(projected, numeric, rtol: 1e-2, atol: 1e-3), "backward \(projected), finite differences \(numeric)")
    }
}

/// Density 1 on `[low, low + 1)^D` (the support of the dequantized data): the model whose bits/dim
/// is the data's bit depth.
private final class UnitCubeUniform: BaseDistribution {
    let eventShape: [Int]
    let low: Float
    var parameters: [Parameter] { [] }

    init(eventShape: [Int], low: Float) {
        self.eventShape = eventShape
        self.low = low
    }

    func logProb(_ z: Tensor, context: Tensor?) throws -> Tensor {
        #expect(try z.toArray().allSatisfy { $0 >= low && $0 < low + 1 }, "latent outside the unit cube")
        return try Tensor.zeros([z.batch], on: z.device)
    }

    func logProbBackward(_ z: Tensor, context: Tensor?, gradLogProb: Tensor) throws -> BijectorGradients {
        BijectorGradients(input: try z.zerosLike(), context: nil)
    }

    func sample(count: Int, context: Tensor?, random: inout RandomStream, temperature: Float, on device: any Device) throws -> Tensor {
        try random.uniform([count] + eventShape, low: low, high: low + 1, on: device)
    }
}
