import FlowLayers
import FlowRuntime
import FlowTestSupport
import Foundation
import Testing

/// Every transform in the registry, on every device: inverse consistency, log-det against a
/// brute-force Jacobian, and the NLL gradient against finite differences.
@Suite struct BijectorPropertyTests {
    static let batch = 3

    /// Builds the case's transform with perturbed parameters, an input and a context.
    static func setUp(_ testCase: BijectorCase, _ device: any Device) throws -> (any Bijector, Tensor, Tensor?) {
        var random = RandomStream(seed: 1234)
        let transform = try testCase.build(device, &random)
        let x = try testCase.makeInput?([batch] + testCase.eventShape, device, &random) ?? random.next([batch] + testCase.eventShape, .normal, on: device)
        let context = try testCase.contextShape.map { try random.next([batch] + $0, .normal, on: device) }
        if !testCase.stochastic { _ = try transform.transform(x, context: context) }  // data-dependent initialisation (ActNorm)
        try FlowTestHelpers.perturb(transform.parameters, scale: testCase.perturbation, random: &random)
        return (transform, x, context)
    }

    /// float32 round trip through two transforms: relative error 1e-4 of the values' scale.
    static let inverseTolerance = 1e-4

    @Test(arguments: TestDevices.all, BijectorCases.bijective)
    func inverseUndoesForward(_ d: TestDevice, _ testCase: BijectorCase) throws {
        let (transform, x, context) = try Self.setUp(testCase, d.device)
        let forward = try transform.transform(x, context: context)
        guard testCase.invertible else {
            #expect(throws: NotInvertibleError.self) { _ = try transform.inverse(forward.output, context: context) }
            return
        }
        let back = try transform.inverse(forward.output, context: context)
        #expect(back.output.shape == x.shape)
        let (original, rebuilt) = (try x.toArray(), try back.output.toArray())
        let scale = original.map { abs(Double($0)) }.max() ?? 1
        let worst = zip(original, rebuilt).map { abs(Double($0) - Double($1)) }.max() ?? 0
        #expect(worst <= Self.inverseTolerance * max(1, scale), "\(testCase): |inverse(forward(x)) − x| = \(worst)")
        let sums = zip(try forward.logDet.toArray(), try back.logDet.toArray()).map { Double($0) + Double($1) }
        let logDetScale = try forward.logDet.toArray().map { abs(Double($0)) }.max() ?? 1
        #expect(sums.allSatisfy { abs($0) <= Self.inverseTolerance * max(1, logDetScale) }, "\(testCase): forward + inverse log-dets \(sums)")
    }

    /// log-det vs. the finite-difference Jacobian (five-point stencil, see `NumericalDerivatives`):
    /// Jacobian entries carry ~1e-5 relative error, so log|det| is allowed 2e-3 + 2e-3·|log det|.
    @Test(arguments: TestDevices.all, BijectorCases.bijective)
    func logDetMatchesBruteForceJacobian(_ d: TestDevice, _ testCase: BijectorCase) throws {
        let (transform, x, context) = try Self.setUp(testCase, d.device)
        testCase.prepareForJacobian?(transform)
        let reported = try transform.transform(x, context: context).logDet.toArray()
        let features = testCase.features
        for sample in 0..<Self.batch {
            let columns = try NumericalDerivatives.jacobian(dimension: features) { delta in
                var full = [Double](repeating: 0, count: Self.batch * features)
                for j in 0..<features { full[sample * features + j] = delta[j] }
                let output = try transform.transform(FlowTestHelpers.shifted(x, by: full), context: context).output
                return Array(try FlowTestHelpers.doubles(output)[(sample * features)..<((sample + 1) * features)])
            }
            let bruteForce = NumericalDerivatives.logAbsDeterminant(columns: columns)
            let value = Double(reported[sample])
            #expect(
                FlowTestHelpers.close(value, bruteForce, rtol: 2e-3, atol: 2e-3),
                "\(testCase) sample \(sample): log-det \(value), brute-force Jacobian \(bruteForce)")
        }
    }
}
