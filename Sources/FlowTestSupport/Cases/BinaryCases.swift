import FlowRuntime

/// The binary ops' cases (+, −, ×, plain and broadcast per channel, with their backward), written
/// once for ElementwiseTests and `flowkit check`: against the Double reference with
/// `OpTolerance.binaryRtol` and, for a broadcast operand's gradient (a sum over positions),
/// `Tolerance.accumulated`.
public enum BinaryCases {
    public static let ops: [BinaryOp] = [.add, .subtract, .multiply]
    /// Forward shapes, each with an operand of the same shape and one per channel.
    public static let shapes: [[Int]] = [[1, 1], [3, 7], [257, 3], [2, 3, 5, 7], [1, 33, 17, 1], [5, 257], [2, 5, 3, 3], [257, 33]]
    /// `[outer, mid, inner]` view of a shape whose axis 1 is the channel axis (a rank-1 shape has none).
    public static func view(_ shape: [Int]) -> AxisView {
        shape.count == 1 ? AxisView(outer: 1, mid: 1, inner: shape[0]) : AxisView(outer: shape[0], mid: shape[1], inner: shape.dropFirst(2).reduce(1, *))
    }

    /// The generator whose draws give the forward's operands, shape after shape, then the vector's.
    public static var random: SeededRandom { SeededRandom(seed: 73) }

    /// `op` on `shape` with b of a's shape and per channel, inputs in [−4, 4] drawn from `rng`.
    public static func forward(on d: TestDevice, op: BinaryOp, shape: [Int], rng: inout SeededRandom) throws -> [OpComparison] {
        let view = view(shape)
        let a = rng.floats(view.count, in: -4...4)
        let (full, perChannel) = (rng.floats(view.count, in: -4...4), rng.floats(view.mid, in: -4...4))
        let left = try d.tensor(a, shape)
        let (fullT, perChannelT) = (try d.tensor(full, shape), try d.tensor(perChannel, [view.mid]))
        try d.poisonCache(view.count)
        let plain = try left.applying(op, fullT)
        try d.poisonCache(view.count)
        let broadcast = try left.applying(op, perChannelT)
        return [
            try OpComparison(
                op: "binary \(op)", plain, Reference.binary(op, view: view, broadcastB: false, a: a, b: full), rtol: OpTolerance.binaryRtol,
                atol: 0),
            try OpComparison(
                op: "binary \(op) broadcast", broadcast, Reference.binary(op, view: view, broadcastB: true, a: a, b: perChannel),
                rtol: OpTolerance.binaryRtol, atol: 0),
        ]
    }

    /// `op` on a plain vector (rank 1, no channel axis: only equal shapes apply), drawn from `rng`.
    public static func vector(on d: TestDevice, op: BinaryOp, rng: inout SeededRandom) throws -> OpComparison {
        let (a, b) = (rng.floats(257), rng.floats(257))
        return try OpComparison(
            op: "binary \(op)", try d.tensor(a, [257]).applying(op, d.tensor(b, [257])),
            Reference.binary(op, view: view([257]), broadcastB: false, a: a, b: b), rtol: OpTolerance.binaryRtol, atol: 0)
    }
}
