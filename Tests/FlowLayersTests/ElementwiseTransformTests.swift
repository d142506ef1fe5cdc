import FlowLayers
import FlowRuntime
import FlowTestSupport
import Foundation
import Testing

/// Checks beyond the generic harness for the elementwise/low-rank transforms.
@Suite struct ElementwiseTransformTests {
    /// Every coordinate of every planar-flow parameter gradient (the harness projects on one
    /// random direction), with `wᵀu` pushed far from 0 so the constraint's correction `û − u` is large.
    @Test(arguments: TestDevices.all)
    func planarGradientsMatchFiniteDifferencesPerCoordinate(_ d: TestDevice) throws {
        var random = RandomStream(seed: 61)
        let planar = try PlanarFlow(features: 4, random: &random, on: d.device)
        planar.u.value = try Tensor([-1.5, 0.8, -2.0, 0.3], shape: [4], on: d.device)
        planar.w.value = try Tensor([0.9, -0.4, 1.1, 0.2], shape: [4], on: d.device)
        planar.bias.value = try Tensor([0.2], shape: [1], on: d.device)
        let x = try random.next([5, 4], .normal, on: d.device)
        let flow = Flow(transforms: [planar], base: StandardNormal(eventShape: [4]))
        flow.zeroGrad()
        _ = try flow.meanNLLBackward(x)
        for parameter in planar.parameters {
            let analytic = try FlowTestHelpers.doubles(#require(parameter.grad))
            let original = parameter.value
            for i in 0..<original.count {
                let numeric = try NumericalDerivatives.derivative { t in
                    var delta = [Double](repeating: 0, count: original.count)
                    delta[i] = t
                    parameter.value = try FlowTestHelpers.shifted(original, by: delta)
                    defer { parameter.value = original }
                    return try FlowTestHelpers.meanNLL(flow, x, context: nil)
                }
                #expect(
                    FlowTestHelpers.close(analytic[i], numeric, rtol: GradientTests.rtol, atol: GradientTests.atol),
                    "∂NLL/∂\(parameter.name)[\(i)]: backward \(analytic[i]), finite differences \(numeric)")
            }
        }
    }

    /// The determinant lemma against a direct LU determinant of the assembled matrix, for a
    /// larger D and r with a low-rank part that dominates; and the inverse.
    @Test(arguments: TestDevices.all)
    func lowRankAffineLemmaMatchesDirectDeterminant(_ d: TestDevice) throws {
        var random = RandomStream(seed: 71)
        let (features, rank) = (12, 3)
        let layer = try LowRankAffine(features: features, rank: rank, random: &random, on: d.device)
        try FlowTestHelpers.perturb(layer.parameters, scale: 0.5, random: &random)
        layer.diagonal.value = try Tensor([3, -2.5, 1.5], shape: [rank], on: d.device)
        let lower = try FlowTestHelpers.doubles(layer.lower.value)
        let s = try FlowTestHelpers.doubles(layer.logDiagonal.value)
        let v = try FlowTestHelpers.doubles(layer.factors.value)
        let dd = try FlowTestHelpers.doubles(layer.diagonal.value)
        let columns = (0..<features).map { j in
            (0..<features).map { i in
                (j < i ? lower[i * features + j] : 0) + (i == j ? exp(s[i]) : 0)
                    + (0..<rank).reduce(0.0) { $0 + v[i * rank + $1] * dd[$1] * v[j * rank + $1] }
            }
        }
        let direct = NumericalDerivatives.logAbsDeterminant(columns: columns)
        let x = try random.next([2, features], .normal, on: d.device)
        let result = try layer.transform(x)
        for value in try result.logDet.toArray() {
            #expect(abs(Double(value) - direct) <= 1e-5 * max(1, abs(direct)), "lemma \(value), direct \(direct)")
        }
        let back = try layer.inverse(result.output, context: nil).output
        #expect(zip(try back.toArray(), try x.toArray()).allSatisfy { abs($0 - $1) < 1e-4 })
    }

    /// PReLU on a 4×4×4 image with inputs away from the kink: output and log-det (θ times the
    /// count of negatives) against a Double reference.
    @Test(arguments: TestDevices.all)
    func preluCountsNegativesPerChannel(_ d: TestDevice) throws {
        let layer = try PReLU(channels: 4, on: d.device)
        let theta = [0.5, -0.7, 1.2, 0.0]
        layer.logSlope.value = try Tensor(theta.map(Float.init), shape: [4], on: d.device)
        var rng = SeededRandom(seed: 81)
        let values = rng.floats(2 * 64, in: -2...2, awayFromZero: 0.05)
        let x = try Tensor(values.map(Float.init), shape: [2, 4, 4, 4], on: d.device)
        let result = try layer.transform(x)
        let expected = values.enumerated().map { i, value in value >= 0 ? value : exp(theta[(i / 16) % 4]) * value }
        #expect(zip(try result.output.toArray(), expected).allSatisfy { abs(Double($0) - $1) <= 1e-6 * max(1, abs($1)) })
        for (b, got) in try result.logDet.toArray().enumerated() {
            let reference = (0..<64).reduce(0.0) { $0 + (values[b * 64 + $1] < 0 ? theta[$1 / 16] : 0) }
            #expect(abs(Double(got) - reference) < 1e-5, "sample \(b): \(got) vs \(reference)")
        }
    }
}
