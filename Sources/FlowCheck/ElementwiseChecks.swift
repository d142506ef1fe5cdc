import FlowRuntime
import FlowTestSupport

/// Unary maps and their backward, and the binary ops (plain and broadcast) with their backward,
/// against the Double reference with the tests' `unaryRtol`, `unaryAtol`, `unaryBackwardAtol`
/// and `binaryRtol`.
enum ElementwiseChecks {
    /// Each op on its domain and where it is interesting (saturation, overflow guards).
    static let unaryCases: [(op: UnaryOp, range: ClosedRange<Double>)] = [
        (.exp, -10...10), (.log, 1e-3...100), (.tanh, -5...5), (.sigmoid, -20...20), (.softplus, -30...30),
        (.relu, -1...1), (.leakyRelu(slope: 0.2), -3...3), (.scale(-1.5), -2...2),
    ]
    static let counts = [1, 7, 33, 4099]

    static func run(_ r: CheckRecorder) {
        var rng = SeededRandom(seed: 71)
        for c in unaryCases {
            for count in counts {
                r.run("unary \(c.op)", "[\(count)]") {
                    // Kinked ops are checked away from the kink at 0.
                    let x = rng.floats(count, in: c.range, awayFromZero: 1e-4)
                    let gradY = rng.floats(count)
                    let input = try r.tensor(x, [count])
                    try r.poison(count)
                    let output = try input.unary(c.op)
                    try r.close("unary \(c.op)", "[\(count)]", output, Reference.unary(c.op, x: x), rtol: OpTolerance.unaryRtol, atol: OpTolerance.unaryAtol)
                    let gradX = try Tensor.unaryBackward(c.op, input: input, output: output, gradOutput: r.tensor(gradY, [count]))
                    try r.close(
                        "unary \(c.op) backward", "[\(count)]", gradX, Reference.unaryBackward(c.op, x: x, gradY: gradY),
                        rtol: OpTolerance.unaryRtol, atol: OpTolerance.unaryBackwardAtol)
                }
            }
        }
        for op in [BinaryOp.add, .subtract, .multiply] {
            for shape in [[1, 1], [3, 7], [2, 5, 3, 3], [257, 33]] {
                for broadcast in [false, true] {
                    r.run("binary \(op)", "\(shape)\(broadcast ? " broadcast" : "")") { try binary(r, op, shape, broadcast: broadcast, rng: &rng) }
                }
            }
        }
    }

    private static func binary(_ r: CheckRecorder, _ op: BinaryOp, _ shape: [Int], broadcast: Bool, rng: inout SeededRandom) throws {
        let view = AxisView(outer: shape[0], mid: shape[1], inner: shape.dropFirst(2).reduce(1, *))
        let (a, b) = (rng.floats(view.count), rng.floats(broadcast ? view.mid : view.count))
        let gradC = rng.floats(view.count)
        let (aT, bT) = (try r.tensor(a, shape), try r.tensor(b, broadcast ? [view.mid] : shape))
        let label = "\(shape)\(broadcast ? " broadcast" : "")"
        try r.poison(view.count)
        try r.close("binary \(op)", label, try aT.applying(op, bT), Reference.binary(op, view: view, broadcastB: broadcast, a: a, b: b), rtol: OpTolerance.binaryRtol, atol: 0)
        let grads = try Tensor.binaryBackward(op, a: aT, b: bT, gradOutput: r.tensor(gradC, shape))
        let expected = Reference.binaryBackward(op, view: view, broadcastB: broadcast, a: a, b: b, gradC: gradC)
        let magnitude = Reference.binaryBackward(op, view: view, broadcastB: broadcast, a: a.map(Swift.abs), b: b.map(Swift.abs), gradC: gradC.map(Swift.abs))
        try r.close("binary \(op) backward ∂a", label, grads.a, expected.a, rtol: OpTolerance.binaryRtol, atol: 0)
        try r.close(
            "binary \(op) backward ∂b", label, grads.b, expected.b, rtol: OpTolerance.binaryRtol,
            atol: Tolerance.accumulated(terms: broadcast ? view.outer * view.inner : 1, magnitude: magnitude.b.map(Swift.abs)))
    }
}
