import FlowRuntime
import FlowTestSupport
import Testing

/// Coupling outputs and gradients are a handful of float ops on exp/tanh/sigmoid values (each good
/// to a few ulps) with intermediate products up to ≈ 10 (|x·s| ≤ 2e, |dy·x·ds/dh| ≤ 3e): a few
/// ulps of those is ~1e-6 absolute, so atol 1e-5 where cancellation makes a result small, rtol 1e-5
/// elsewhere. A wrong formula is off by O(1). The per-sample log-det sums `columns` terms `log s`
/// that each carry such an error: `Tolerance.accumulated` with termError 1e-6.
private let couplingRtol = OpTolerance.couplingRtol
private let couplingAtol = OpTolerance.couplingAtol

/// Shapes `[B, …]`: vectors with awkward widths and an image-shaped tensor.
private let couplingShapes: [[Int]] = [[1, 1], [3, 7], [17, 33], [4, 257], [2, 3, 5, 7]]

struct CouplingVariant: Sendable, CustomStringConvertible {
    var scale: CouplingScale
    var order: CouplingOrder
    var description: String { "\(scale), \(order)" }
}

private let variants: [CouplingVariant] = CouplingScale.allCases.flatMap { scale in
    CouplingOrder.allCases.map { CouplingVariant(scale: scale, order: $0) }
}

/// x, t in moderate ranges and raw scales h in [−3, 3], where both scale functions vary.
private func couplingData(_ count: Int, seed: UInt64) -> (x: [Double], shift: [Double], raw: [Double]) {
    var rng = SeededRandom(seed: seed)
    return (rng.floats(count, in: -2...2), rng.floats(count), rng.floats(count, in: -3...3))
}

private func expectLogDet(
    _ actual: Tensor, _ expected: [Double], spec: CouplingSpec, raw: [Double], _ label: String
) throws {
    try expectClose(actual, expected, rtol: couplingRtol, atol: OpTolerance.couplingLogDet(spec, rawScale: raw), label)
}

@Suite struct CouplingTests {
    @Test(arguments: TestDevices.all, variants)
    func forwardAndInverseMatchReference(_ d: TestDevice, _ v: CouplingVariant) throws {
        for shape in couplingShapes {
            let count = shape.reduce(1, *)
            let spec = CouplingSpec(rows: shape[0], columns: count / shape[0], scale: v.scale, order: v.order)
            let data = couplingData(count, seed: UInt64(count))
            let (t, h) = (try d.tensor(data.shift, shape), try d.tensor(data.raw, shape))
            let label = "coupling \(v) \(shape)"
            try d.poisonCache(count, shape[0])

            let forward = try d.tensor(data.x, shape).affineCoupling(shift: t, rawScale: h, scale: v.scale, order: v.order)
            let expected = Reference.coupling(spec, inverse: false, x: data.x, shift: data.shift, rawScale: data.raw)
            #expect(forward.output.shape == shape && forward.logDet.shape == [shape[0]])
            try expectClose(forward.output, expected.y, rtol: couplingRtol, atol: couplingAtol, "\(label) y")
            try expectLogDet(forward.logDet, expected.logDet, spec: spec, raw: data.raw, "\(label) logDet")

            // The inverse of the (float-rounded) reference output is the input again.
            let y = expected.y.asFloats
            let inverse = try d.tensor(y, shape).affineCoupling(
                shift: t, rawScale: h, scale: v.scale, order: v.order, inverse: true)
            let expectedInverse = Reference.coupling(spec, inverse: true, x: y, shift: data.shift, rawScale: data.raw)
            try expectClose(inverse.output, expectedInverse.y, rtol: couplingRtol, atol: couplingAtol, "\(label) inverse x")
            try expectLogDet(inverse.logDet, expectedInverse.logDet, spec: spec, raw: data.raw, "\(label) inverse logDet")
        }
    }

    /// inverse(forward(x)) = x on the device alone, and the two log-dets cancel.
    @Test(arguments: TestDevices.all, variants)
    func inverseUndoesForward(_ d: TestDevice, _ v: CouplingVariant) throws {
        let shape = [17, 33]
        let data = couplingData(17 * 33, seed: 41)
        let (t, h) = (try d.tensor(data.shift, shape), try d.tensor(data.raw, shape))
        let forward = try d.tensor(data.x, shape).affineCoupling(shift: t, rawScale: h, scale: v.scale, order: v.order)
        let back = try forward.output.affineCoupling(shift: t, rawScale: h, scale: v.scale, order: v.order, inverse: true)
        // Two roundings of |y| ≲ 5 and a division: a few ulps of the larger intermediate.
        try expectClose(back.output, data.x, rtol: 1e-5, atol: 5e-6, "\(v) round trip")
        try expectClose(back.logDet, try forward.logDet.values().map { -$0 }, rtol: 0, atol: 1e-5, "\(v) logDet cancels")
    }

    @Test(arguments: TestDevices.all, variants)
    func backwardMatchesFiniteDifferences(_ d: TestDevice, _ v: CouplingVariant) throws {
        let shape = [3, 5]
        let spec = CouplingSpec(rows: 3, columns: 5, scale: v.scale, order: v.order)
        let data = couplingData(15, seed: 42)
        var rng = SeededRandom(seed: 43)
        let (gradY, gradLogDet) = (rng.floats(15), rng.floats(3))
        let grads = try Tensor.affineCouplingBackward(
            input: d.tensor(data.x, shape), shift: d.tensor(data.shift, shape), rawScale: d.tensor(data.raw, shape),
            scale: v.scale, order: v.order, gradOutput: d.tensor(gradY, shape), gradLogDet: d.tensor(gradLogDet, [3]))
        try expectGradients(
            [grads.input, grads.shift, grads.rawScale],
            matchFiniteDifferencesOf: { p in
                let out = Reference.coupling(spec, inverse: false, x: p[0], shift: p[1], rawScale: p[2])
                return Reference.dot(gradY, out.y) + Reference.dot(gradLogDet, out.logDet)
            }, at: [data.x, data.shift, data.raw], names: ["x", "t", "h"], "coupling backward \(v)")
    }

    @Test(arguments: TestDevices.all, variants)
    func backwardMatchesReference(_ d: TestDevice, _ v: CouplingVariant) throws {
        for shape in [[33, 65], [1, 257], [2, 3, 5, 7]] {
            let count = shape.reduce(1, *)
            let spec = CouplingSpec(rows: shape[0], columns: count / shape[0], scale: v.scale, order: v.order)
            let data = couplingData(count, seed: 44)
            var rng = SeededRandom(seed: 45)
            let (gradY, gradLogDet) = (rng.floats(count), rng.floats(shape[0]))
            try d.poisonCache(count)
            let grads = try Tensor.affineCouplingBackward(
                input: d.tensor(data.x, shape), shift: d.tensor(data.shift, shape), rawScale: d.tensor(data.raw, shape),
                scale: v.scale, order: v.order, gradOutput: d.tensor(gradY, shape),
                gradLogDet: d.tensor(gradLogDet, [shape[0]]))
            let expected = Reference.couplingBackward(
                spec, x: data.x, shift: data.shift, rawScale: data.raw, gradY: gradY, gradLogDet: gradLogDet)
            let label = "coupling backward \(v) \(shape)"
            try expectClose(grads.input, expected.input, rtol: couplingRtol, atol: couplingAtol, "\(label) ∂x")
            try expectClose(grads.shift, expected.shift, rtol: couplingRtol, atol: couplingAtol, "\(label) ∂t")
            try expectClose(grads.rawScale, expected.rawScale, rtol: couplingRtol, atol: couplingAtol, "\(label) ∂h")
        }
    }
}
