import FlowRuntime

/// A PixelCNN-style conditioner for images `[B, C, H, W]` (van den Oord et al. 2016,
/// arXiv:1601.06759): masked `k×k` convolutions (odd `k`), type A in the first layer (only pixels
/// strictly before the centre in raster order) and type B afterwards (the centre pixel too), with
/// residual ReLU layers (`activation` replaces ReLU) and a zero-initialised 1×1 output
/// convolution to `2C` channels (`μ` then `α`).
///
/// The autoregressive unit is the pixel: all `C` channels of a pixel are one unit, so the output
/// at pixel `p = (i, j)` depends only on pixels before `p` in raster order (all their channels).
/// That is the simplest correct choice; the per-channel ordering (R before G before B within a
/// pixel) would need channel-group masks and `C` times more sequential passes. Like the original
/// PixelCNN the stack has a blind spot (some earlier pixels to the upper right fall outside the
/// receptive field); it costs expressiveness, never correctness.
public final class PixelCNN: AutoregressiveConditioner {
    public let channels: Int
    let stack: CausalConvStack

    /// `layers` masked `kernel × kernel` convolutions of `hidden` channels (one type A, then
    /// `layers − 1` residual type B), then the output layer.
    public init(
        name: String, channels: Int, hidden: Int, layers: Int = 2, kernel: Int = 3, contextFeatures: Int = 0,
        activation: UnaryOp = .relu, random: inout RandomStream, on device: any Device
    ) throws {
        guard channels > 0, hidden > 0, layers >= 1, kernel >= 1, kernel % 2 == 1 else {
            throw FlowError.invalidArgument(
                op: "PixelCNN(\(name))",
                detail: "channels \(channels), hidden \(hidden), layers \(layers), kernel \(kernel): need positive sizes and an odd kernel")
        }
        var convs = [
            try MaskedConv(
                name: "\(name).layer0", inputs: channels, outputs: hidden, kernelHeight: kernel, kernelWidth: kernel,
                mask: Self.mask(outputs: hidden, inputs: channels, kernel: kernel, includeCentre: false), random: &random, on: device)
        ]
        for index in 1..<layers {
            convs.append(
                try MaskedConv(
                    name: "\(name).layer\(index)", inputs: hidden, outputs: hidden, kernelHeight: kernel, kernelWidth: kernel,
                    mask: Self.mask(outputs: hidden, inputs: hidden, kernel: kernel, includeCentre: true), random: &random, on: device))
        }
        convs.append(
            try MaskedConv(
                name: "\(name).layer\(layers)", inputs: hidden, outputs: 2 * channels, kernelHeight: 1, kernelWidth: 1,
                initialization: .zeros, random: &random, on: device))
        stack = try CausalConvStack(name: name, layers: convs, contextFeatures: contextFeatures, activation: activation, random: &random, on: device)
        self.channels = channels
    }

    /// Type A (`includeCentre == false`) or B raster-order mask `[outputs, inputs, k, k]`.
    static func mask(outputs: Int, inputs: Int, kernel: Int, includeCentre: Bool) -> [Float] {
        let centre = kernel / 2
        let taps: [Float] = (0..<(kernel * kernel)).map { tap in
            let (row, column) = (tap / kernel, tap % kernel)
            return row < centre || (row == centre && (column < centre || (includeCentre && column == centre))) ? 1 : 0
        }
        return Array([[Float]](repeating: taps, count: outputs * inputs).joined())
    }

    public var parameters: [Parameter] { stack.parameters }
    public var freeParameterCount: Int { stack.freeParameterCount }

    /// One pass per pixel.
    public func sequentialPasses(eventShape: [Int]) -> Int { eventShape.dropFirst().reduce(1, *) }

    public func forward(_ input: Tensor, context: Tensor?) throws -> (output: Tensor, tape: any BijectorTape) {
        guard input.rank == 4, input.shape[1] == channels else {
            throw FlowError.shapeMismatch(op: "PixelCNN.forward", detail: "input \(input.shape), expected [B, \(channels), H, W]")
        }
        let (output, tape) = try stack.forward(input, context: context)
        return (output, tape)
    }

    public func backward(_ tape: any BijectorTape, gradOutput: Tensor) throws -> BijectorGradients {
        try stack.backward(typed(tape), gradOutput: gradOutput, parameters: true)
    }

    public func inputGradient(_ tape: any BijectorTape, gradOutput: Tensor) throws -> Tensor {
        try stack.backward(typed(tape), gradOutput: gradOutput, parameters: false).input
    }

    private func typed(_ tape: any BijectorTape) throws -> CausalConvStack.Tape {
        guard let tape = tape as? CausalConvStack.Tape else {
            throw FlowError.invalidArgument(op: "PixelCNN.backward", detail: "tape of type \(type(of: tape)) is not from a PixelCNN")
        }
        return tape
    }
}
