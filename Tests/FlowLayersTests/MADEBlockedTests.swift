import FlowRuntime
import FlowTestSupport
import Foundation
import Testing

@testable import FlowLayers

/// MADE runs its products in degree order, tile by tile, skipping the masks' zero blocks, on
/// degree-ordered weights cached between parameter updates. These tests use layers wide enough
/// for several tiles (the small MADEs of the other tests fit in one) and check the output, every
/// parameter gradient and the input and context gradients against a plain Double evaluation of
/// `act(x · (W ⊙ M)ᵀ + b)` in the original unit order.
@Suite struct MADEBlockedTests {
    struct Shape: CustomStringConvertible, Sendable {
        let features: Int
        let hidden: [Int]
        let context: Int
        let degrees: MADEDegrees.Assignment
        let activation: UnaryOp
        /// MAF's `[μ, α]` unless set; nsf-ar's MADEs emit a spline's parameters feature by feature.
        var outputsPerFeature = 2
        var outputLayout = MADEDegrees.OutputLayout.parameterMajor
        var description: String {
            "\(features) features, hidden \(hidden), context \(context), \(degrees), \(activation), \(outputsPerFeature) outputs per feature \(outputLayout)"
        }
    }

    static let shapes: [Shape] = [
        Shape(features: 9, hidden: [200, 150], context: 0, degrees: .sequential, activation: .relu),
        Shape(features: 7, hidden: [140, 130], context: 3, degrees: .random, activation: .relu),
        Shape(features: 70, hidden: [130, 190], context: 0, degrees: .sequential, activation: .relu),
        Shape(features: 11, hidden: [160, 131], context: 2, degrees: .random, activation: .softplus),
        Shape(features: 6, hidden: [150, 140], context: 2, degrees: .random, activation: .relu, outputsPerFeature: 23, outputLayout: .featureMajor),
        Shape(features: 5, hidden: [130, 140], context: 0, degrees: .sequential, activation: .softplus, outputsPerFeature: 3, outputLayout: .parameterMajor),
    ]

    @Test(arguments: TestDevices.all)
    func blockedProductsMatchThePlainNetwork(_ d: TestDevice) throws {
        for (index, shape) in Self.shapes.enumerated() {
            var random = RandomStream(seed: 500 + UInt64(index))
            let made = try MADE(
                name: "made", features: shape.features, hidden: shape.hidden, contextFeatures: shape.context, degrees: shape.degrees,
                outputsPerFeature: shape.outputsPerFeature, outputLayout: shape.outputLayout, activation: shape.activation,
                random: &random, on: d.device)
            // Several tiles in some layer where the device tiles, or the test would not test the tiling.
            if let tiling = d.device as? any PrefixProductCapable {
                #expect(
                    made.layout.plan.layers.contains {
                        tiling.prefixTiles($0.product, .forward(.none), batch: 23).count > 1
                            && tiling.prefixTiles($0.product, .inputGradient, batch: 23).count > 1
                    }, "\(shape): one tile only")
            }
            // The zero last layer would hide the products behind it.
            try FlowTestHelpers.perturb(made.parameters, scale: 0.2, random: &random)
            try check(made, shape, d, &random, "\(shape)")
            // A new value (assignment) and an in-place update (`markModified`) must both reach the
            // cached degree-ordered weights.
            try FlowTestHelpers.perturb(made.parameters, scale: 0.2, random: &random)
            try check(made, shape, d, &random, "\(shape) after assignment")
            let weight = made.layers[0].weight
            try Tensor.adamStep(
                param: weight.value, grad: random.next(weight.shape, .normal, on: d.device), m: weight.value.zerosLike(),
                v: weight.value.zerosLike(), hyper: AdamHyper(learningRate: 0.05, step: 1))
            weight.markModified()
            try check(made, shape, d, &random, "\(shape) after an in-place update")
        }
    }

    private func check(_ made: MADE, _ shape: Shape, _ d: TestDevice, _ random: inout RandomStream, _ what: String) throws {
        let batch = 23
        let x = try random.next([batch, shape.features], .normal, on: d.device)
        let context = shape.context > 0 ? try random.next([batch, shape.context], .normal, on: d.device) : nil
        let gradOutput = try random.next([batch, made.outputs], .normal, on: d.device)
        made.parameters.forEach { $0.zeroGrad() }
        let (output, tape) = try made.forward(x, context: context)
        let grads = try made.backward(tape, gradOutput: gradOutput)
        let inputOnly = try made.inputGradient(tape, gradOutput: gradOutput)

        let joined = try PlainMADE.join(x.toArray(), context?.toArray(), batch: batch)
        let plain = try PlainMADE(made, activation: shape.activation)
        let expected = plain.run(joined, batch: batch, gradOutput: try gradOutput.toArray().map(Double.init))
        let terms = (plain.layers.map(\.inputs) + [1]).reduce(0, +)
        func expectClose(_ actual: [Float], _ reference: [Double], _ magnitude: [Double], _ name: String) {
            let tolerance = Tolerance.accumulated(terms: terms, magnitude: magnitude)
            // Masked-out weights have a zero reference and a zero tolerance: they must be exactly 0.
            let worst =
                zip(zip(actual, reference), tolerance).map { pair, bound in
                    let difference = abs(Double(pair.0) - pair.1)
                    return difference == 0 ? 0 : difference / bound
                }.max() ?? 0
            #expect(actual.count == reference.count && worst <= 1, "\(what): \(name) off by \(worst)× its tolerance")
        }
        expectClose(try output.toArray(), expected.output, expected.outputMagnitude, "output")
        let features = shape.features
        let inputGrad = (0..<batch).flatMap { b in expected.gradJoined[(b * plain.layers[0].inputs)...].prefix(features) }
        let inputMagnitude = (0..<batch).flatMap { b in expected.gradJoinedMagnitude[(b * plain.layers[0].inputs)...].prefix(features) }
        expectClose(try grads.input.toArray(), Array(inputGrad), Array(inputMagnitude), "input gradient")
        expectClose(try inputOnly.toArray(), Array(inputGrad), Array(inputMagnitude), "inputGradient")
        if let gradContext = grads.context {
            let contextGrad = (0..<batch).flatMap { b in expected.gradJoined[(b * plain.layers[0].inputs + features)...].prefix(shape.context) }
            let contextMagnitude = (0..<batch).flatMap { b in
                expected.gradJoinedMagnitude[(b * plain.layers[0].inputs + features)...].prefix(shape.context)
            }
            expectClose(try gradContext.toArray(), Array(contextGrad), Array(contextMagnitude), "context gradient")
        }
        for (index, layer) in made.layers.enumerated() {
            expectClose(try #require(layer.weight.grad).toArray(), expected.gradWeights[index], expected.gradWeightMagnitudes[index], "∂W\(index)")
            expectClose(try #require(layer.bias.grad).toArray(), expected.gradBiases[index], expected.gradBiasMagnitudes[index], "∂b\(index)")
        }
    }
}

/// MADE evaluated the plain way, in Double and the original unit order: each layer
/// `act(x · (W ⊙ M)ᵀ + b)` and its backward, once on the values and once on their absolute values
/// (every gate open) for the rounding-error magnitudes.
private struct PlainMADE {
    struct Layer {
        let inputs: Int
        let outputs: Int
        /// `W ⊙ M` and `M`.
        let weight: [Double]
        let mask: [Double]
        let bias: [Double]
    }

    struct Result {
        var output: [Double] = []
        var outputMagnitude: [Double] = []
        var gradJoined: [Double] = []
        var gradJoinedMagnitude: [Double] = []
        var gradWeights: [[Double]] = []
        var gradWeightMagnitudes: [[Double]] = []
        var gradBiases: [[Double]] = []
        var gradBiasMagnitudes: [[Double]] = []
    }

    let layers: [Layer]
    let activation: UnaryOp

    init(_ made: MADE, activation: UnaryOp) throws {
        layers = try made.layers.map { layer in
            let mask = try layer.mask?.toArray().map(Double.init) ?? [Double](repeating: 1, count: layer.outputs * layer.inputs)
            let weight = try zip(layer.weight.value.toArray(), mask).map { Double($0) * $1 }
            return Layer(
                inputs: layer.inputs, outputs: layer.outputs, weight: weight, mask: mask, bias: try layer.bias.value.toArray().map(Double.init))
        }
        self.activation = activation
    }

    static func join(_ x: [Float], _ context: [Float]?, batch: Int) throws -> [Double] {
        guard let context else { return x.map(Double.init) }
        let (features, extra) = (x.count / batch, context.count / batch)
        var joined: [Double] = []
        for b in 0..<batch {
            joined += x[(b * features)..<((b + 1) * features)].map(Double.init)
            joined += context[(b * extra)..<((b + 1) * extra)].map(Double.init)
        }
        return joined
    }

    func run(_ joined: [Double], batch: Int, gradOutput: [Double]) -> Result {
        var result = Result()
        let (values, gradients) = (
            pass(joined, batch: batch, gradOutput: gradOutput, absolute: false),
            pass(joined.map(abs), batch: batch, gradOutput: gradOutput.map(abs), absolute: true)
        )
        (result.output, result.gradJoined, result.gradWeights, result.gradBiases) = values
        (result.outputMagnitude, result.gradJoinedMagnitude, result.gradWeightMagnitudes, result.gradBiasMagnitudes) = gradients
        return result
    }

    private func pass(_ joined: [Double], batch: Int, gradOutput: [Double], absolute: Bool)
        -> (output: [Double], gradJoined: [Double], gradWeights: [[Double]], gradBiases: [[Double]])
    {
        var inputs: [[Double]] = []
        var preActivations: [[Double]] = []
        var current = joined
        for (index, layer) in layers.enumerated() {
            inputs.append(current)
            var next = [Double](repeating: 0, count: batch * layer.outputs)
            for b in 0..<batch {
                for o in 0..<layer.outputs {
                    var sum = absolute ? abs(layer.bias[o]) : layer.bias[o]
                    for i in 0..<layer.inputs {
                        let w = layer.weight[o * layer.inputs + i]
                        sum += (absolute ? abs(w) : w) * current[b * layer.inputs + i]
                    }
                    next[b * layer.outputs + o] = sum
                }
            }
            if index < layers.count - 1 {
                preActivations.append(next)
                if !absolute { next = next.map(activate) }
            }
            current = next
        }
        var grad = gradOutput
        var gradWeights = [[Double]](repeating: [], count: layers.count)
        var gradBiases = [[Double]](repeating: [], count: layers.count)
        for index in layers.indices.reversed() {
            let layer = layers[index]
            if index < layers.count - 1, !absolute {
                grad = zip(grad, preActivations[index]).map { $0 * derivative($1) }
            }
            var gradWeight = [Double](repeating: 0, count: layer.outputs * layer.inputs)
            var gradBias = [Double](repeating: 0, count: layer.outputs)
            var gradInput = [Double](repeating: 0, count: batch * layer.inputs)
            for b in 0..<batch {
                for o in 0..<layer.outputs {
                    let g = grad[b * layer.outputs + o]
                    gradBias[o] += g
                    for i in 0..<layer.inputs {
                        let w = layer.weight[o * layer.inputs + i]
                        gradWeight[o * layer.inputs + i] += layer.mask[o * layer.inputs + i] * g * inputs[index][b * layer.inputs + i]
                        gradInput[b * layer.inputs + i] += (absolute ? abs(w) : w) * g
                    }
                }
            }
            gradWeights[index] = gradWeight
            gradBiases[index] = gradBias
            grad = gradInput
        }
        return (current, grad, gradWeights, gradBiases)
    }

    private func activate(_ v: Double) -> Double {
        activation == .relu ? max(v, 0) : (v > 30 ? v : log1p(exp(v)))
    }

    private func derivative(_ v: Double) -> Double {
        activation == .relu ? (v > 0 ? 1 : 0) : 1 / (1 + exp(-v))
    }
}
