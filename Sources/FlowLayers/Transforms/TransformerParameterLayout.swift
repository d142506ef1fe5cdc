import FlowRuntime

/// How a `TransformerCoupling` reads its transformer's parameters off the conditioner's output,
/// and its transformed part as the `[B, N]` rows the fused ops take (`N` transformed elements,
/// `P` parameters per element, the ops reading `[B, N, P]`).
///
/// * Vectors: an MLP's output `[B, N·P]` is already element by element, so it is read as
///   `[B, N, P]` with no copy (the layout the spline and mixture flows have always used).
/// * Images: a `ConvNet`'s output `[B, P·C_t, H, W]` holds the parameters in channel blocks, block
///   `p` being parameter `p` of every transformed channel (the convolution's natural layout). Per
///   sample that is a `[P, N]` matrix (`N = C_t·H·W`), transposed here with one gather into
///   `[N, P]`; its backward is the inverse gather.
enum TransformerParameterLayout {
    case elementMajor(elements: Int)
    case channelBlocks(channels: Int, positions: Int, transpose: AxisPermutation)

    init(channels: Int, positions: Int, parametersPerElement per: Int, on device: any Device) throws {
        let elements = channels * positions
        // Output entry j = n·P + p of the element-major matrix reads block entry p·N + n.
        let order = (0..<(elements * per)).map { j in (j % per) * elements + j / per }
        self = .channelBlocks(channels: channels, positions: positions, transpose: try AxisPermutation(order, on: device))
    }

    /// Transformed elements per sample.
    var elements: Int {
        switch self {
        case let .elementMajor(elements): elements
        case let .channelBlocks(channels, positions, _): channels * positions
        }
    }

    /// The conditioner's output as `[B, N, P]`.
    func parameters(_ output: Tensor, perElement per: Int, op: String) throws -> Tensor {
        let rows = output.batch
        let expected: [Int]
        switch self {
        case let .elementMajor(elements): expected = [rows, elements * per]
        case let .channelBlocks(channels, positions, _):
            expected = [rows, per * channels] + (output.rank == 4 ? Array(output.shape[2...]) : [])
            guard output.rank == 4, output.shape[2] * output.shape[3] == positions else {
                throw FlowError.shapeMismatch(
                    op: op, detail: "conditioner output \(output.shape), expected [\(rows), \(per * channels), H, W] with H·W = \(positions)")
            }
        }
        guard output.shape == expected else {
            throw FlowError.shapeMismatch(
                op: op, detail: "conditioner output \(output.shape), expected \(expected) (\(elements) elements × \(per) parameters)")
        }
        switch self {
        case .elementMajor: return try output.reshaped([rows, elements, per])
        case let .channelBlocks(_, _, transpose):
            return try transpose.apply(output.reshaped([rows, per * elements])).reshaped([rows, elements, per])
        }
    }

    /// Backward of `parameters`: `[B, N, P]` gradients in the conditioner output's shape.
    func parametersBackward(_ grad: Tensor, outputShape: [Int]) throws -> Tensor {
        let rows = grad.batch
        switch self {
        case .elementMajor: return try grad.reshaped(outputShape)
        case let .channelBlocks(_, _, transpose):
            return try transpose.undo(grad.reshaped([rows, grad.count / max(1, rows)])).reshaped(outputShape)
        }
    }
}
