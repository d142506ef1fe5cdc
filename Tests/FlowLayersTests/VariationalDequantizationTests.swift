import FlowLayers
import FlowRuntime
import FlowTestSupport
import Foundation
import Testing

/// Flow++'s variational dequantization: its noise stays inside each discrete cell, its log-det is
/// exactly `−D·ln L − log q(u | v)` (checked against the brute-force Jacobian of the map `ε → u`),
/// its gradients match finite differences with the noise held fixed, and its stream is state.
@Suite struct VariationalDequantizationTests {
    static let levels = 5
    static let shape = [1, 2, 4]  // squeezed to [4, 1, 2]: a dequantizer with 2 positions

    /// A 2-step dequantizer with perturbed parameters (softplus conditioners for the finite
    /// differences, see `BijectorCases.convNet`), and a batch of integer images.
    static func setUp(_ device: any Device, batch: Int = 3) throws -> (VariationalDequantization, Tensor) {
        var random = RandomStream(seed: 21)
        let layer = try FlowPlusPlus.dequantizer(
            imageShape: shape, levels: levels, offset: -0.5, steps: 2, hidden: 4, components: 2, activation: .softplus,
            noise: RandomStream(seed: 5), random: &random, on: device)
        var values = SeededRandom(seed: 8)
        let count = batch * shape.reduce(1, *)
        let v = try Tensor((0..<count).map { _ in Float(Int(values.nextDouble() * Double(levels)) % levels) }, shape: [batch] + shape, on: device)
        _ = try layer.transform(v)  // ActNorm's data-dependent initialisation
        try FlowTestHelpers.perturb(layer.parameters, scale: 0.3, random: &random)
        return (layer, v)
    }

    @Test(arguments: TestDevices.all)
    func noiseStaysInsideEachCellAndQuantizesBack(_ d: TestDevice) throws {
        let (layer, v) = try Self.setUp(d.device)
        let x = try layer.transform(v).output
        let cells = try x.toArray().map { (Double($0) + 0.5) * Double(Self.levels) }
        for (cell, value) in zip(cells, try v.toArray()) {
            #expect(cell > Double(value) && cell < Double(value) + 1, "x·L lands at \(cell), outside the cell of \(value)")
        }
        let back = try layer.quantize(layer.inverse(x, context: nil).output)
        #expect(try back.toArray() == v.toArray())
    }

    /// `logDet + D·ln L + log N(ε) = log|det ∂u/∂ε|`: the log-det is minus the noise's
    /// log-density `log q(u | v)`, by the change of variables from ε. The Jacobian is taken of
    /// `ε → h` (the brute-force Jacobian of the flow `g` on the image's context) and the sigmoid's
    /// part `Σ log σ′(h)` added in Double: differencing `u` itself in float32 loses the digits
    /// where σ saturates.
    @Test(arguments: TestDevices.all)
    func logDetIsMinusTheNoiseLogDensity(_ d: TestDevice) throws {
        let (layer, v) = try Self.setUp(d.device)
        var stream = RandomStream(seed: 40)
        let epsilon = try stream.next(v.shape, .normal, on: d.device)
        let reported = try layer.forward(v, epsilon: epsilon).result.logDet.toArray()
        let logNormal = try epsilon.normalLogProb().toArray()
        // The conditioning image, as the layer defines it: (v + ½)/L − ½, squeezed.
        let levels = Float(Self.levels)
        let context = try v.affine(scale: 1 / levels, shift: 0.5 / levels - 0.5).squeeze2x2()
        func h(_ noise: Tensor) throws -> [Double] {
            try FlowTestHelpers.doubles(layer.flow.transform(noise.squeeze2x2(), context: context).output.unsqueeze2x2())
        }
        let centre = try h(epsilon)
        let features = Self.shape.reduce(1, *)
        for sample in 0..<v.batch {
            let columns = try NumericalDerivatives.jacobian(dimension: features) { delta in
                var full = [Double](repeating: 0, count: v.count)
                for j in 0..<features { full[sample * features + j] = delta[j] }
                return Array(try h(FlowTestHelpers.shifted(epsilon, by: full))[(sample * features)..<((sample + 1) * features)])
            }
            // log σ′(h) = −softplus(h) − softplus(−h).
            let sigmoidPart = centre[(sample * features)..<((sample + 1) * features)].reduce(0.0) { total, h in
                total - (log1p(exp(-abs(h))) + max(h, 0)) - (log1p(exp(-abs(h))) + max(-h, 0))
            }
            let bruteForce = NumericalDerivatives.logAbsDeterminant(columns: columns) + sigmoidPart
            let fromLogDet = Double(reported[sample]) + Double(features) * log(Double(Self.levels)) + Double(logNormal[sample])
            #expect(
                FlowTestHelpers.close(fromLogDet, bruteForce, rtol: 2e-3, atol: 2e-3),
                "sample \(sample): log|det ∂u/∂ε| from the log-det \(fromLogDet), brute-force Jacobian \(bruteForce)")
        }
    }

    /// The mean NLL of a flow starting with the dequantizer, with ε held fixed (the stream reset
    /// before every evaluation): its gradient with respect to every parameter and the input.
    @Test(arguments: TestDevices.all)
    func gradientsMatchFiniteDifferencesWithTheNoiseFixed(_ d: TestDevice) throws {
        let (layer, v) = try Self.setUp(d.device)
        let flow = Flow(transforms: [layer], base: StandardNormal(eventShape: Self.shape))
        let start = layer.noise
        func loss(_ input: Tensor) throws -> Double {
            layer.noise = start
            return try FlowTestHelpers.meanNLL(flow, input, context: nil)
        }
        flow.zeroGrad()
        layer.noise = start
        let (_, grads) = try flow.meanNLLBackward(v)
        var directions = SeededRandom(seed: 17)
        #expect(!layer.parameters.isEmpty)
        for parameter in layer.parameters {
            let analytic = try parameter.grad.map(FlowTestHelpers.doubles) ?? [Double](repeating: 0, count: parameter.value.count)
            let original = parameter.value
            let direction = directions.unitVector(parameter.value.count)
            let numeric = try NumericalDerivatives.derivative { t in
                parameter.value = try FlowTestHelpers.shifted(original, by: direction.map { $0 * t })
                return try loss(v)
            }
            parameter.value = original
            let projected = zip(analytic, direction).reduce(0) { $0 + $1.0 * $1.1 }
            #expect(
                FlowTestHelpers.close(projected, numeric, rtol: GradientTests.rtol, atol: GradientTests.atol),
                "∂NLL/∂\(parameter.name) along a random direction: backward \(projected), finite differences \(numeric)")
        }
        let direction = directions.unitVector(v.count)
        let projected = zip(try FlowTestHelpers.doubles(grads.input), direction).reduce(0) { $0 + $1.0 * $1.1 }
        let numeric = try NumericalDerivatives.derivative { t in try loss(FlowTestHelpers.shifted(v, by: direction.map { $0 * t })) }
        #expect(
            FlowTestHelpers.close(projected, numeric, rtol: GradientTests.rtol, atol: GradientTests.atol),
            "∂NLL/∂input along a random direction: backward \(projected), finite differences \(numeric)")
    }

    /// Every forward pass draws new noise, and the stream's position is checkpoint state: a layer
    /// given the exported state continues exactly.
    @Test(arguments: TestDevices.all)
    func noiseStreamIsState(_ d: TestDevice) throws {
        let (layer, v) = try Self.setUp(d.device)
        let first = try layer.transform(v).output.toArray()
        let saved = try layer.exportState()
        let second = try layer.transform(v).output.toArray()
        #expect(first != second)
        try layer.importState(saved)
        #expect(try layer.transform(v).output.toArray() == second)
        #expect(throws: FlowError.self) { try layer.importState([:]) }
    }
}
