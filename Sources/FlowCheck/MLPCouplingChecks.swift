import FlowRuntime
import FlowTestSupport

/// The vector coupling with its MLP conditioner as one op (`Tensor.mlpAffineCoupling`, which a
/// device may run whole through `MLPCouplingCapable`): forward, inverse and backward against the
/// Double reference with the tests' tolerance, on a 2-D RealNVP's shape (one kept and one transformed
/// feature, two hidden layers of 128, a batch the CPU splits across its threads) and on an odd
/// one with context, alternating columns and Glow's scale, order and layout.
enum MLPCouplingChecks {
    static let cases = [
        MLPCouplingShape(
            rows: 600, kept: [0], transformed: [1], contextFeatures: 0, hidden: [128, 128], scale: .expTanh, order: .scaleThenShift,
            shiftFirst: false),
        MLPCouplingShape(
            rows: 37, kept: [0, 2, 4], transformed: [1, 3], contextFeatures: 3, hidden: [33], scale: .sigmoidShifted,
            order: .shiftThenScale, shiftFirst: true),
    ]

    static func run(_ r: CheckRecorder) {
        for c in cases {
            r.run("mlp coupling", c.description) { try check(r, c) }
        }
    }

    private static func check(_ r: CheckRecorder, _ c: MLPCouplingShape) throws {
        var rng = SeededRandom(seed: 46)
        let problem = c.problem(random: &rng)
        let (gradY, gradLogDet) = (rng.floats(c.rows * problem.features), rng.floats(c.rows))
        let (x, context, layers, columns) = try problem.tensors(on: r.device)
        func close(_ op: String, _ actual: Tensor, _ expected: [Double]) throws {
            try r.close(op, c.description, actual, expected, rtol: OpTolerance.mlpCouplingRtol, atol: OpTolerance.mlpCouplingAtol(expected))
        }
        try r.poison(x.count, c.rows, c.rows * (c.hidden.max() ?? 1))
        let forward = try Tensor.mlpAffineCoupling(
            x, context: context, layers: layers, columns: columns, scale: c.scale, order: c.order, shiftFirst: c.shiftFirst)
        let expected = Reference.mlpAffineCoupling(problem, inverse: false)
        try close("mlp coupling y", forward.output, expected.y)
        try close("mlp coupling logDet", forward.logDet, expected.logDet)
        let inverse = try Tensor.mlpAffineCoupling(
            x, context: context, layers: layers, columns: columns, scale: c.scale, order: c.order, shiftFirst: c.shiftFirst,
            inverse: true)
        let expectedInverse = Reference.mlpAffineCoupling(problem, inverse: true)
        try close("mlp coupling inverse", inverse.output, expectedInverse.y)
        try close("mlp coupling inverse logDet", inverse.logDet, expectedInverse.logDet)
        try r.poison(x.count, layers.map(\.weight.count).max() ?? 1)
        let grads = try Tensor.mlpAffineCouplingBackward(
            forward.tape, weights: layers.map(\.weight), gradOutput: try r.tensor(gradY, x.shape),
            gradLogDet: try r.tensor(gradLogDet, [c.rows]))
        let expectedGrads = Reference.mlpAffineCouplingBackward(problem, gradY: gradY, gradLogDet: gradLogDet)
        try close("mlp coupling backward ∂x", grads.input, expectedGrads.x)
        if c.contextFeatures > 0 {
            guard let gradContext = grads.context else { throw CheckFailure("no context gradient for a coupling with context") }
            try close("mlp coupling backward ∂context", gradContext, expectedGrads.context)
        }
        for index in layers.indices {
            try close("mlp coupling backward ∂W\(index)", grads.weights[index], expectedGrads.weights[index])
            try close("mlp coupling backward ∂b\(index)", grads.biases[index], expectedGrads.biases[index])
        }
    }
}
