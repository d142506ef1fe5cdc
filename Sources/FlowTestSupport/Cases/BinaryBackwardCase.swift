import FlowRuntime

/// One backward case of the binary ops (`BinaryCases`): a shape, whether b is broadcast per
/// channel, and the operands and ∂L/∂c, against `Reference.binaryBackward`: ∂a with
/// `OpTolerance.binaryRtol`, ∂b summed over positions when broadcast (`Tolerance.accumulated`).
public struct BinaryBackwardCase: Sendable, CustomStringConvertible {
    public var shape: [Int]
    public var broadcast: Bool
    public var a: [Double]
    public var b: [Double]
    public var gradC: [Double]

    public var description: String { "\(shape)\(broadcast ? " broadcast" : "")" }
    public var view: AxisView { BinaryCases.view(shape) }

    /// The tests' shapes (seed 74, in turn) and, each both ways, `flowkit check`'s own before the
    /// registry (drawn on from the same generator).
    public static let all: [BinaryBackwardCase] = {
        let pairs: [([Int], Bool)] =
            [([2, 3, 2, 2], false), ([2, 3, 2, 2], true), ([33, 17], true), ([7, 257], false)]
            + [[1, 1], [3, 7], [2, 5, 3, 3], [257, 33]].flatMap { shape in [false, true].map { (shape, $0) } }
        var rng = SeededRandom(seed: 74)
        return pairs.map { shape, broadcast in
            let view = BinaryCases.view(shape)
            let a = rng.floats(view.count)
            let b = rng.floats(broadcast ? view.mid : view.count)
            let gradC = rng.floats(view.count)
            return BinaryBackwardCase(shape: shape, broadcast: broadcast, a: a, b: b, gradC: gradC)
        }
    }()

    /// The comparisons, and the device's gradients (for the tests' finite differences).
    public func run(on d: TestDevice, op: BinaryOp) throws -> (comparisons: [OpComparison], gradA: Tensor, gradB: Tensor) {
        let view = view
        let (aT, bT) = (try d.tensor(a, shape), try d.tensor(b, broadcast ? [view.mid] : shape))
        let gradOutput = try d.tensor(gradC, shape)
        try d.poisonCache(view.count)
        let grads = try Tensor.binaryBackward(op, a: aT, b: bT, gradOutput: gradOutput)
        let expected = Reference.binaryBackward(op, view: view, broadcastB: broadcast, a: a, b: b, gradC: gradC)
        let magnitude = Reference.binaryBackward(
            op, view: view, broadcastB: broadcast, a: a.map(Swift.abs), b: b.map(Swift.abs), gradC: gradC.map(Swift.abs))
        let comparisons = [
            try OpComparison(op: "binary \(op) backward ∂a", grads.a, expected.a, rtol: OpTolerance.binaryRtol, atol: 0),
            try OpComparison(
                op: "binary \(op) backward ∂b", grads.b, expected.b, rtol: OpTolerance.binaryRtol,
                atol: Tolerance.accumulated(terms: broadcast ? view.outer * view.inner : 1, magnitude: magnitude.b.map(Swift.abs))),
        ]
        return (comparisons, grads.a, grads.b)
    }
}
