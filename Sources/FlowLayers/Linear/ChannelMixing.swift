import FlowRuntime

/// `y[:, o] = Σ_c W[o, c] · x[:, c]` at every position, for vectors `[B, C]` (a linear layer),
/// sequences `[B, C, T]` and images `[B, C, H, W]` (a 1×1 convolution): the shared core of the
/// invertible 1×1 convolutions.
enum ChannelMixing {
    /// Positions each sample has per channel (H·W, T, or 1): the factor of the per-sample log-det.
    static func positions(_ x: Tensor) -> Int { x.shape.dropFirst(2).reduce(1, *) }

    static func check(_ op: String, _ x: Tensor, channels: Int) throws {
        guard (2...4).contains(x.rank), x.shape[1] == channels else {
            throw FlowError.shapeMismatch(
                op: op, detail: "input \(x.shape), expected [B, \(channels)], [B, \(channels), T] or [B, \(channels), H, W]")
        }
    }

    static func apply(_ x: Tensor, weight: Tensor) throws -> Tensor {
        let channels = weight.shape[0]
        switch x.rank {
        case 2:
            return try x.linear(weight: weight)
        case 3:
            let image = try x.reshaped([x.shape[0], channels, 1, x.shape[2]])
            return try image.conv2d(weight: weight.reshaped([channels, channels, 1, 1])).reshaped(x.shape)
        default:
            return try x.conv2d(weight: weight.reshaped([channels, channels, 1, 1]))
        }
    }

    /// `(∂L/∂x, ∂L/∂W)` with `∂W[o, c] = Σ_{b, positions} ∂y[:, o] · x[:, c]`.
    static func backward(input: Tensor, weight: Tensor, gradOutput: Tensor) throws -> (input: Tensor, weight: Tensor) {
        let channels = weight.shape[0]
        if input.rank == 2 {
            let grads = try Tensor.linearBackward(input: input, weight: weight, hasBias: false, gradOutput: gradOutput)
            return (grads.input, grads.weight)
        }
        let imageShape = input.rank == 3 ? [input.shape[0], channels, 1, input.shape[2]] : input.shape
        let grads = try Tensor.conv2dBackward(
            input: input.reshaped(imageShape), weight: weight.reshaped([channels, channels, 1, 1]), hasBias: false,
            gradOutput: gradOutput.reshaped(imageShape))
        return (try grads.input.reshaped(input.shape), try grads.weight.reshaped([channels, channels]))
    }
}
