import FlowRuntime

/// The unary maps' op cases, written once for ElementwiseTests and `flowkit check`: an op and the
/// range its inputs are drawn from, forward and backward on awkward element counts against the
/// Double reference with `OpTolerance.unaryRtol`, `unaryAtol` and `unaryBackwardAtol` (whose
/// reasons ElementwiseTests gives).
public struct UnaryCase: Sendable, CustomStringConvertible {
    public var op: UnaryOp
    /// Input range: the op's domain and the region where it is interesting (saturation, overflow guards).
    public var range: ClosedRange<Double>
    public var description: String { "\(op) on \(range)" }

    public init(op: UnaryOp, range: ClosedRange<Double>) {
        self.op = op
        self.range = range
    }

    public static let all: [UnaryCase] = [
        UnaryCase(op: .exp, range: -10...10), UnaryCase(op: .log, range: 1e-3...100), UnaryCase(op: .tanh, range: -5...5),
        UnaryCase(op: .sigmoid, range: -20...20), UnaryCase(op: .softplus, range: -30...30),
        UnaryCase(op: .relu, range: -1...1), UnaryCase(op: .leakyRelu(slope: 0.01), range: -3...3),
        UnaryCase(op: .leakyRelu(slope: 0.2), range: -3...3), UnaryCase(op: .scale(-1.5), range: -2...2),
        UnaryCase(op: .scale(0), range: -2...2),
    ]
    /// Element counts: 1, odd and prime sizes, a few not multiples of any vector width; each case
    /// draws them in turn from `random`.
    public static let counts = [1, 3, 7, 17, 33, 257, 1000, 4099]

    /// The generator whose draws give a case's inputs, count after count.
    public static var random: SeededRandom { SeededRandom(seed: 71) }

    /// Forward and backward on `count` elements drawn from `rng`; kinked ops (ReLU, leaky ReLU)
    /// away from the kink at 0.
    public func run(on d: TestDevice, count: Int, rng: inout SeededRandom) throws -> [OpComparison] {
        let x = rng.floats(count, in: range, awayFromZero: 1e-4)
        let gradY = rng.floats(count)
        let input = try d.tensor(x, [count])
        try d.poisonCache(count)
        let output = try input.unary(op)
        let gradX = try Tensor.unaryBackward(op, input: input, output: output, gradOutput: d.tensor(gradY, [count]))
        return [
            try OpComparison(op: "unary \(op)", output, Reference.unary(op, x: x), rtol: OpTolerance.unaryRtol, atol: OpTolerance.unaryAtol),
            try OpComparison(
                op: "unary \(op) backward", gradX, Reference.unaryBackward(op, x: x, gradY: gradY), rtol: OpTolerance.unaryRtol,
                atol: OpTolerance.unaryBackwardAtol),
        ]
    }
}
