import FlowRuntime

/// The MLP coupling's op cases (`Tensor.mlpAffineCoupling`, the vector coupling with its MLP
/// conditioner as one op), written once for MLPCouplingOpTests and `flowkit check`: a shape and
/// the seed of its problem, forward, inverse and backward against `Reference.mlpAffineCoupling`
/// with `OpTolerance.mlpCouplingRtol` / `mlpCouplingAtol`.
public struct MLPCouplingCase: Sendable, CustomStringConvertible {
    public var shape: MLPCouplingShape
    public var seed: UInt64
    public var description: String { shape.description }

    public init(_ shape: MLPCouplingShape, seed: UInt64) {
        self.shape = shape
        self.seed = seed
    }

    /// Batches off every block size (1 row, 37, 83, and 600, which the CPU cuts across its threads
    /// so the weight gradients are summed from partial sums), hidden widths of 1, 33, 70 and 128,
    /// no hidden layer, context or none, half and alternating columns, every scale, order and
    /// parameter layout; the last two are a 2-D RealNVP's shape and an odd one with context
    /// (`flowkit check`'s own before the registry).
    public static let all: [MLPCouplingCase] =
        [
            MLPCouplingShape(
                rows: 83, kept: [0, 1], transformed: [2, 3, 4], contextFeatures: 0, hidden: [70, 1], scale: .expTanh,
                order: .scaleThenShift, shiftFirst: false),
            MLPCouplingShape(
                rows: 600, kept: [0, 2, 4], transformed: [1, 3, 5], contextFeatures: 3, hidden: [70, 70], scale: .sigmoidShifted,
                order: .shiftThenScale, shiftFirst: true),
            MLPCouplingShape(
                rows: 1, kept: [1], transformed: [0], contextFeatures: 0, hidden: [], scale: .expTanh, order: .shiftThenScale,
                shiftFirst: true),
            MLPCouplingShape(
                rows: 37, kept: [2], transformed: [0, 1], contextFeatures: 2, hidden: [5], scale: .sigmoidShifted,
                order: .scaleThenShift, shiftFirst: false),
        ].map { MLPCouplingCase($0, seed: 97) }
        + [
            MLPCouplingShape(
                rows: 600, kept: [0], transformed: [1], contextFeatures: 0, hidden: [128, 128], scale: .expTanh,
                order: .scaleThenShift, shiftFirst: false),
            MLPCouplingShape(
                rows: 37, kept: [0, 2, 4], transformed: [1, 3], contextFeatures: 3, hidden: [33], scale: .sigmoidShifted,
                order: .shiftThenScale, shiftFirst: true),
        ].map { MLPCouplingCase($0, seed: 46) }

    /// Forward (output, log-det, the tape's conditioner output and layer inputs), inverse and
    /// backward (∂x, ∂context exactly when there is a context, every ∂W and ∂b) through the
    /// device's capability or the fallback.
    public func run(on d: TestDevice, usingCapability: Bool) throws -> [OpComparison] {
        let c = shape
        var rng = SeededRandom(seed: seed)
        let problem = c.problem(random: &rng)
        let gradY = rng.floats(c.rows * problem.features)
        let gradLogDet = rng.floats(c.rows)
        let expectedForward = Reference.mlpAffineCoupling(problem, inverse: false)
        let expectedInverse = Reference.mlpAffineCoupling(problem, inverse: true)
        let expectedBackward = Reference.mlpAffineCouplingBackward(problem, gradY: gradY, gradLogDet: gradLogDet)
        let (x, context, layers, columns) = try problem.tensors(on: d.device)
        func near(_ op: String, _ actual: Tensor, _ expected: [Double]) throws -> OpComparison {
            try OpComparison(
                op: "mlp coupling \(op)", actual, expected, rtol: OpTolerance.mlpCouplingRtol, atol: OpTolerance.mlpCouplingAtol(expected))
        }
        let widest = c.hidden.max() ?? 1
        try d.poisonCache(c.rows * problem.features, c.rows, c.rows * 70, c.rows * widest)
        let forward = try Tensor.mlpAffineCoupling(
            x, context: context, layers: layers, columns: columns, scale: c.scale, order: c.order, shiftFirst: c.shiftFirst,
            inverse: false, usingCapability: usingCapability)
        var comparisons = [
            try near("y", forward.output, expectedForward.y),
            try near("logDet", forward.logDet, expectedForward.logDet),
            try near("conditioner output", forward.tape.conditionerOutput, expectedForward.conditionerOutput),
        ]
        for (index, input) in forward.tape.layerInputs.enumerated() {
            comparisons.append(try near("input of layer \(index)", input, expectedForward.layerInputs[index]))
        }
        let inverse = try Tensor.mlpAffineCoupling(
            x, context: context, layers: layers, columns: columns, scale: c.scale, order: c.order, shiftFirst: c.shiftFirst,
            inverse: true, usingCapability: usingCapability)
        comparisons.append(try near("inverse", inverse.output, expectedInverse.y))
        comparisons.append(try near("inverse logDet", inverse.logDet, expectedInverse.logDet))
        try d.poisonCache(c.rows * problem.features, 70 * 71, c.rows * 70, layers.map(\.weight.count).max() ?? 1)
        let grads = try Tensor.mlpAffineCouplingBackward(
            forward.tape, weights: layers.map(\.weight), gradOutput: try d.tensor(gradY, x.shape),
            gradLogDet: try d.tensor(gradLogDet, [c.rows]), usingCapability: usingCapability)
        comparisons.append(try near("backward ∂x", grads.input, expectedBackward.x))
        switch (c.contextFeatures > 0, grads.context) {
        case (true, let gradContext?): comparisons.append(try near("backward ∂context", gradContext, expectedBackward.context))
        case (true, nil): throw OpCaseError.missing(op: "mlp coupling backward", output: "context gradient for a coupling with context")
        case (false, _?): throw OpCaseError.unexpected(op: "mlp coupling backward", output: "context gradient without a context")
        case (false, nil): break
        }
        for index in layers.indices {
            comparisons.append(try near("backward ∂W\(index)", grads.weights[index], expectedBackward.weights[index]))
            comparisons.append(try near("backward ∂b\(index)", grads.biases[index], expectedBackward.biases[index]))
        }
        return comparisons
    }
}
