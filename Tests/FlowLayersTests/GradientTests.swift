import FlowLayers
import FlowRuntime
import FlowTestSupport
import Foundation
import Testing

/// The mean-NLL gradient (transform + standard-normal base) with respect to every parameter, the
/// input and the context, against five-point finite differences along random directions.
/// Float32 evaluation noise in the loss (~1e-7·|L| per evaluation, divided by h = 1e-2) bounds the
/// finite differences' accuracy at about 1e-4 for |L| ≈ 10: allowed 1e-3 + 1e-2·|derivative|.
@Suite struct GradientTests {
    static let rtol = 1e-2
    static let atol = 1e-3

    @Test(arguments: TestDevices.all, BijectorCases.all)
    func nllGradientMatchesFiniteDifferences(_ d: TestDevice, _ testCase: BijectorCase) throws {
        let (transform, x, context) = try BijectorPropertyTests.setUp(testCase, d.device)
        let outputShape = try transform.transform(x, context: context).output.shape
        let flow = Flow(transforms: [transform], base: StandardNormal(eventShape: Array(outputShape.dropFirst())))
        // A stochastic transform's NLL is differentiated for fixed noise: every evaluation below
        // (the backward and each finite-difference point) starts its stream at the same position.
        let stochastic = flow.stochasticTransforms
        let streams = stochastic.map(\.noise)
        func fixNoise() { for (transform, stream) in zip(stochastic, streams) { transform.noise = stream } }
        func meanNLL(_ x: Tensor, context: Tensor?) throws -> Double {
            fixNoise()
            return try FlowTestHelpers.meanNLL(flow, x, context: context)
        }
        flow.zeroGrad()
        fixNoise()
        let (_, grads) = try flow.meanNLLBackward(x, context: context)
        var directions = SeededRandom(seed: 99)

        for parameter in flow.parameters {
            let analytic = try parameter.grad.map(FlowTestHelpers.doubles) ?? [Double](repeating: 0, count: parameter.value.count)
            let original = parameter.value
            let direction = directions.unitVector(parameter.value.count)
            let numeric = try NumericalDerivatives.derivative { t in
                parameter.value = try FlowTestHelpers.shifted(original, by: direction.map { $0 * t })
                return try meanNLL(x, context: context)
            }
            parameter.value = original
            let projected = zip(analytic, direction).reduce(0) { $0 + $1.0 * $1.1 }
            #expect(
                FlowTestHelpers.close(projected, numeric, rtol: Self.rtol, atol: Self.atol),
                "\(testCase) ∂NLL/∂\(parameter.name) along a random direction: backward \(projected), finite differences \(numeric)")
        }

        try check("input", grads.input, x) { try meanNLL($0, context: context) }
        if let context {
            guard let gradContext = grads.context else {
                Issue.record("\(testCase): backward returned no context gradient")
                return
            }
            try check("context", gradContext, context) { try meanNLL(x, context: $0) }
        }

        func check(_ what: String, _ gradient: Tensor, _ point: Tensor, _ loss: (Tensor) throws -> Double) throws {
            let direction = directions.unitVector(point.count)
            let projected = zip(try FlowTestHelpers.doubles(gradient), direction).reduce(0) { $0 + $1.0 * $1.1 }
            let numeric = try NumericalDerivatives.derivative { t in
                try loss(FlowTestHelpers.shifted(point, by: direction.map { $0 * t }))
            }
            #expect(
                FlowTestHelpers.close(projected, numeric, rtol: Self.rtol, atol: Self.atol),
                "\(testCase) ∂NLL/∂\(what) along a random direction: backward \(projected), finite differences \(numeric)")
        }
    }
}

extension SeededRandom {
    /// A random direction of unit length.
    mutating func unitVector(_ count: Int) -> [Double] {
        let raw = (0..<count).map { _ in nextDouble() * 2 - 1 }
        let norm = max(1e-12, raw.reduce(0) { $0 + $1 * $1 }.squareRoot())
        return raw.map { $0 / norm }
    }
}
