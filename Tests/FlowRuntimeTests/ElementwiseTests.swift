import FlowRuntime
import FlowTestSupport
import Testing

/// Unary maps: OpenCL's full profile allows 3–5 ulps for exp/log/tanh and compositions (sigmoid,
/// softplus) add a few more; rtol 2e-6 (≈ 32 ulps) plus atol 1e-7 where results underflow towards 0
/// (softplus of −30 is 9e-14, computed as a difference near 1). A wrong formula is off by O(1).
private let unaryRtol = OpTolerance.unaryRtol
private let unaryAtol = OpTolerance.unaryAtol
/// Derivatives formed from y (1 − y², y(1 − y)) lose relative accuracy by cancellation where f' is
/// small: the error is a few ulps of 1 times |dy|, hence atol 1e-6 on top of the unary rtol.
private let unaryBackwardAtol = OpTolerance.unaryBackwardAtol
/// +, −, × of two floats: the device result is the correctly rounded value, within half an ulp
/// (6e-8) of the exact Double result.
private let binaryRtol = OpTolerance.binaryRtol

struct UnaryCase: Sendable, CustomStringConvertible {
    var op: UnaryOp
    /// Input range: the op's domain and the region where it is interesting (saturation, overflow guards).
    var range: ClosedRange<Double>
    var description: String { "\(op) on \(range)" }
}

private let unaryCases: [UnaryCase] = [
    UnaryCase(op: .exp, range: -10...10), UnaryCase(op: .log, range: 1e-3...100), UnaryCase(op: .tanh, range: -5...5),
    UnaryCase(op: .sigmoid, range: -20...20), UnaryCase(op: .softplus, range: -30...30),
    UnaryCase(op: .relu, range: -1...1), UnaryCase(op: .leakyRelu(slope: 0.01), range: -3...3),
    UnaryCase(op: .leakyRelu(slope: 0.2), range: -3...3), UnaryCase(op: .scale(-1.5), range: -2...2),
    UnaryCase(op: .scale(0), range: -2...2),
]

/// Element counts: 1, odd and prime sizes, a few not multiples of any vector width.
private let elementCounts = [1, 3, 7, 17, 33, 257, 1000, 4099]

@Suite struct ElementwiseTests {
    @Test(arguments: TestDevices.all, unaryCases)
    func unaryAndBackwardMatchReference(_ d: TestDevice, _ c: UnaryCase) throws {
        var rng = SeededRandom(seed: 71)
        for count in elementCounts {
            // Kinked ops (ReLU, leaky ReLU) are tested away from the kink at 0.
            let x = rng.floats(count, in: c.range, awayFromZero: 1e-4)
            let gradY = rng.floats(count)
            let input = try d.tensor(x, [count])
            try d.poisonCache(count)
            let output = try input.unary(c.op)
            try expectClose(output, Reference.unary(c.op, x: x), rtol: unaryRtol, atol: unaryAtol, "\(c) count \(count)")
            let gradX = try Tensor.unaryBackward(c.op, input: input, output: output, gradOutput: d.tensor(gradY, [count]))
            try expectClose(
                gradX, Reference.unaryBackward(c.op, x: x, gradY: gradY), rtol: unaryRtol, atol: unaryBackwardAtol,
                "\(c) backward count \(count)")
        }
    }

    @Test(arguments: TestDevices.all, unaryCases)
    func unaryBackwardMatchesFiniteDifferences(_ d: TestDevice, _ c: UnaryCase) throws {
        var rng = SeededRandom(seed: 72)
        let x = rng.floats(7, in: c.range, awayFromZero: 1e-3)
        let gradY = rng.floats(7)
        let input = try d.tensor(x, [7])
        let gradX = try Tensor.unaryBackward(c.op, input: input, output: input.unary(c.op), gradOutput: d.tensor(gradY, [7]))
        // exp(10)·dy is ~2e4: compare relative to that scale.
        let scale = Reference.unaryBackward(c.op, x: x, gradY: gradY).map(abs).max() ?? 1
        let numeric = FiniteDifference.gradient(of: { Reference.dot(gradY, Reference.unary(c.op, x: $0)) }, at: x)
        expectClose(
            try gradX.values(), numeric, rtol: finiteDifferenceRtol, atol: finiteDifferenceAtol * max(1, scale),
            "\(c) backward vs finite differences")
    }

    @Test(arguments: TestDevices.all, [BinaryOp.add, .subtract, .multiply])
    func binaryMatchesReference(_ d: TestDevice, _ op: BinaryOp) throws {
        var rng = SeededRandom(seed: 73)
        for shape in [[1, 1], [3, 7], [257, 3], [2, 3, 5, 7], [1, 33, 17, 1], [5, 257]] {
            let view = channelView(shape)
            let a = rng.floats(view.count, in: -4...4)
            let (full, perChannel) = (rng.floats(view.count, in: -4...4), rng.floats(view.mid, in: -4...4))
            let left = try d.tensor(a, shape)
            try expectClose(
                try left.applying(op, d.tensor(full, shape)),
                Reference.binary(op, view: view, broadcastB: false, a: a, b: full), rtol: binaryRtol, atol: 0,
                "\(op) \(shape)")
            try expectClose(
                try left.applying(op, d.tensor(perChannel, [view.mid])),
                Reference.binary(op, view: view, broadcastB: true, a: a, b: perChannel), rtol: binaryRtol, atol: 0,
                "\(op) \(shape) broadcast [\(view.mid)]")
        }
        // A plain vector (rank 1) has no channel axis: only equal shapes apply.
        let (a, b) = (rng.floats(257), rng.floats(257))
        try expectClose(
            try d.tensor(a, [257]).applying(op, d.tensor(b, [257])),
            Reference.binary(op, view: AxisView(outer: 1, mid: 1, inner: 257), broadcastB: false, a: a, b: b),
            rtol: binaryRtol, atol: 0, "\(op) [257]")
    }

    @Test(arguments: TestDevices.all, [BinaryOp.add, .subtract, .multiply])
    func binaryBackwardMatchesReferenceAndFiniteDifferences(_ d: TestDevice, _ op: BinaryOp) throws {
        var rng = SeededRandom(seed: 74)
        for (shape, broadcast) in [([2, 3, 2, 2], false), ([2, 3, 2, 2], true), ([33, 17], true), ([7, 257], false)] {
            let view = channelView(shape)
            let a = rng.floats(view.count)
            let b = rng.floats(broadcast ? view.mid : view.count)
            let gradC = rng.floats(view.count)
            let grads = try Tensor.binaryBackward(
                op, a: d.tensor(a, shape), b: d.tensor(b, broadcast ? [view.mid] : shape),
                gradOutput: d.tensor(gradC, shape))
            let expected = Reference.binaryBackward(op, view: view, broadcastB: broadcast, a: a, b: b, gradC: gradC)
            let magnitude = Reference.binaryBackward(
                op, view: view, broadcastB: broadcast, a: a.map(abs), b: b.map(abs), gradC: gradC.map(abs))
            let label = "\(op) backward \(shape) broadcast \(broadcast)"
            try expectClose(grads.a, expected.a, rtol: binaryRtol, atol: 0, "\(label) ∂a")
            try expectClose(
                grads.b, expected.b, rtol: binaryRtol,
                atol: Tolerance.accumulated(terms: broadcast ? view.outer * view.inner : 1, magnitude: magnitude.b.map(abs)),
                "\(label) ∂b")
            if view.count <= 24 {
                try expectGradients(
                    [grads.a, grads.b],
                    matchFiniteDifferencesOf: { p in
                        Reference.dot(gradC, Reference.binary(op, view: view, broadcastB: broadcast, a: p[0], b: p[1]))
                    }, at: [a, b], names: ["a", "b"], label)
            }
        }
    }
}
