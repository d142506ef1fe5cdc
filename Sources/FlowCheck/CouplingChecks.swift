import FlowRuntime
import FlowTestSupport

/// Fused affine couplings (both scales, both orders) forward, inverse and backward against the
/// Double reference with the tests' `couplingRtol` / `couplingAtol` and log-det bound.
enum CouplingChecks {
    static let shapes: [[Int]] = [[1, 1], [3, 7], [17, 33], [4, 257], [2, 3, 5, 7]]

    static func run(_ r: CheckRecorder) {
        for scale in CouplingScale.allCases {
            for order in CouplingOrder.allCases {
                let variant = "\(scale)/\(order)"
                for shape in shapes {
                    r.run("coupling", "\(shape) \(variant)") { try forwardInverse(r, shape, scale, order) }
                }
                r.run("coupling backward", "[33, 65] \(variant)") { try backward(r, [33, 65], scale, order) }
            }
        }
    }

    private static func data(_ count: Int, seed: UInt64) -> (x: [Double], shift: [Double], raw: [Double]) {
        var rng = SeededRandom(seed: seed)
        return (rng.floats(count, in: -2...2), rng.floats(count), rng.floats(count, in: -3...3))
    }

    private static func forwardInverse(_ r: CheckRecorder, _ shape: [Int], _ scale: CouplingScale, _ order: CouplingOrder) throws {
        let count = shape.reduce(1, *)
        let spec = CouplingSpec(rows: shape[0], columns: count / shape[0], scale: scale, order: order)
        let d = data(count, seed: UInt64(count))
        let (t, h) = (try r.tensor(d.shift, shape), try r.tensor(d.raw, shape))
        let label = "\(shape) \(scale)/\(order)"
        try r.poison(count, shape[0])
        let forward = try r.tensor(d.x, shape).affineCoupling(shift: t, rawScale: h, scale: scale, order: order)
        let expected = Reference.coupling(spec, inverse: false, x: d.x, shift: d.shift, rawScale: d.raw)
        try r.close("coupling y", label, forward.output, expected.y, rtol: OpTolerance.couplingRtol, atol: OpTolerance.couplingAtol)
        let logDetAtol = OpTolerance.couplingLogDet(spec, rawScale: d.raw)
        try r.close("coupling logDet", label, forward.logDet, expected.logDet, rtol: OpTolerance.couplingRtol, atol: logDetAtol)
        // The inverse of the (float-rounded) reference output.
        let y = expected.y.map { Double(Float($0)) }
        let inverse = try r.tensor(y, shape).affineCoupling(shift: t, rawScale: h, scale: scale, order: order, inverse: true)
        let expectedInverse = Reference.coupling(spec, inverse: true, x: y, shift: d.shift, rawScale: d.raw)
        try r.close("coupling inverse x", label, inverse.output, expectedInverse.y, rtol: OpTolerance.couplingRtol, atol: OpTolerance.couplingAtol)
        try r.close("coupling inverse logDet", label, inverse.logDet, expectedInverse.logDet, rtol: OpTolerance.couplingRtol, atol: logDetAtol)
    }

    private static func backward(_ r: CheckRecorder, _ shape: [Int], _ scale: CouplingScale, _ order: CouplingOrder) throws {
        let count = shape.reduce(1, *)
        let spec = CouplingSpec(rows: shape[0], columns: count / shape[0], scale: scale, order: order)
        let d = data(count, seed: 44)
        var rng = SeededRandom(seed: 45)
        let (gradY, gradLogDet) = (rng.floats(count), rng.floats(shape[0]))
        try r.poison(count)
        let grads = try Tensor.affineCouplingBackward(
            input: r.tensor(d.x, shape), shift: r.tensor(d.shift, shape), rawScale: r.tensor(d.raw, shape),
            scale: scale, order: order, gradOutput: r.tensor(gradY, shape), gradLogDet: r.tensor(gradLogDet, [shape[0]]))
        let expected = Reference.couplingBackward(spec, x: d.x, shift: d.shift, rawScale: d.raw, gradY: gradY, gradLogDet: gradLogDet)
        let label = "\(shape) \(scale)/\(order)"
        let (rtol, atol) = (OpTolerance.couplingRtol, OpTolerance.couplingAtol)
        try r.close("coupling backward ∂x", label, grads.input, expected.input, rtol: rtol, atol: atol)
        try r.close("coupling backward ∂t", label, grads.shift, expected.shift, rtol: rtol, atol: atol)
        try r.close("coupling backward ∂h", label, grads.rawScale, expected.rawScale, rtol: rtol, atol: atol)
    }
}
