import FlowRuntime

/// The fused affine coupling's op cases (one scale function and order each), written once for
/// CouplingTests and `flowkit check`: the shapes, the data (drawn from a seed), and each output's
/// reference and tolerance (`OpTolerance.couplingRtol` / `couplingAtol` and the log-det bound,
/// whose reasons CouplingTests gives).
public struct CouplingCase: Sendable, CustomStringConvertible {
    public var scale: CouplingScale
    public var order: CouplingOrder
    public var description: String { "\(scale), \(order)" }

    public init(scale: CouplingScale, order: CouplingOrder) {
        self.scale = scale
        self.order = order
    }

    /// Every scale function in every order.
    public static let all: [CouplingCase] = CouplingScale.allCases.flatMap { scale in
        CouplingOrder.allCases.map { CouplingCase(scale: scale, order: $0) }
    }
    /// Forward and inverse shapes `[B, …]`: vectors with awkward widths and an image-shaped tensor.
    public static let shapes: [[Int]] = [[1, 1], [3, 7], [17, 33], [4, 257], [2, 3, 5, 7]]
    /// Backward shapes, against the reference's gradients.
    public static let backwardShapes: [[Int]] = [[33, 65], [1, 257], [2, 3, 5, 7]]

    /// x, t in moderate ranges and raw scales h in [−3, 3], where both scale functions vary.
    public static func data(_ count: Int, seed: UInt64) -> (x: [Double], shift: [Double], raw: [Double]) {
        var rng = SeededRandom(seed: seed)
        return (rng.floats(count, in: -2...2), rng.floats(count), rng.floats(count, in: -3...3))
    }

    public func spec(_ shape: [Int]) -> CouplingSpec {
        let count = shape.reduce(1, *)
        return CouplingSpec(rows: shape[0], columns: count / shape[0], scale: scale, order: order)
    }

    /// Forward on `shape`, then the inverse of the (float-rounded) reference output, against the reference.
    public func forwardInverse(on d: TestDevice, shape: [Int]) throws -> [OpComparison] {
        let spec = spec(shape)
        let data = Self.data(spec.count, seed: UInt64(spec.count))
        let (t, h) = (try d.tensor(data.shift, shape), try d.tensor(data.raw, shape))
        try d.poisonCache(spec.count, shape[0])
        let forward = try d.tensor(data.x, shape).affineCoupling(shift: t, rawScale: h, scale: scale, order: order)
        try OpCaseError.requireShape("coupling y", forward.output.shape, shape)
        try OpCaseError.requireShape("coupling logDet", forward.logDet.shape, [shape[0]])
        let expected = Reference.coupling(spec, inverse: false, x: data.x, shift: data.shift, rawScale: data.raw)
        let (rtol, atol) = (OpTolerance.couplingRtol, OpTolerance.couplingAtol)
        let logDetAtol = OpTolerance.couplingLogDet(spec, rawScale: data.raw)
        let y = expected.y.asFloats
        let inverse = try d.tensor(y, shape).affineCoupling(shift: t, rawScale: h, scale: scale, order: order, inverse: true)
        let expectedInverse = Reference.coupling(spec, inverse: true, x: y, shift: data.shift, rawScale: data.raw)
        return [
            try OpComparison(op: "coupling y", forward.output, expected.y, rtol: rtol, atol: atol),
            try OpComparison(op: "coupling logDet", forward.logDet, expected.logDet, rtol: rtol, atol: logDetAtol),
            try OpComparison(op: "coupling inverse x", inverse.output, expectedInverse.y, rtol: rtol, atol: atol),
            try OpComparison(op: "coupling inverse logDet", inverse.logDet, expectedInverse.logDet, rtol: rtol, atol: logDetAtol),
        ]
    }

    /// The backward on `shape` against the reference's gradients: ∂x, ∂t and ∂h.
    public func backward(on d: TestDevice, shape: [Int]) throws -> [OpComparison] {
        let spec = spec(shape)
        let data = Self.data(spec.count, seed: 44)
        var rng = SeededRandom(seed: 45)
        let (gradY, gradLogDet) = (rng.floats(spec.count), rng.floats(shape[0]))
        try d.poisonCache(spec.count)
        let grads = try Tensor.affineCouplingBackward(
            input: d.tensor(data.x, shape), shift: d.tensor(data.shift, shape), rawScale: d.tensor(data.raw, shape),
            scale: scale, order: order, gradOutput: d.tensor(gradY, shape), gradLogDet: d.tensor(gradLogDet, [shape[0]]))
        let expected = Reference.couplingBackward(
            spec, x: data.x, shift: data.shift, rawScale: data.raw, gradY: gradY, gradLogDet: gradLogDet)
        let (rtol, atol) = (OpTolerance.couplingRtol, OpTolerance.couplingAtol)
        return [
            try OpComparison(op: "coupling backward ∂x", grads.input, expected.input, rtol: rtol, atol: atol),
            try OpComparison(op: "coupling backward ∂t", grads.shift, expected.shift, rtol: rtol, atol: atol),
            try OpComparison(op: "coupling backward ∂h", grads.rawScale, expected.rawScale, rtol: rtol, atol: atol),
        ]
    }
}
