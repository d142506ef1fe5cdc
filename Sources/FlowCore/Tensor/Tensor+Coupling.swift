/// Gradients of the fused affine coupling.
public struct CouplingGradients: Sendable {
    public var input: Tensor
    public var shift: Tensor
    public var rawScale: Tensor
}

extension Tensor {
    /// Fused affine coupling on the transformed half `x_b` (this tensor, `[B, …]`), with shift `t`
    /// and raw scale `h` of the same shape: forward `y = x ⊙ s(h) + t` (or Glow's `(x − t) ⊙ s(h)`),
    /// per-sample log-det `Σ log s(h)`; with `inverse` it maps `y` back to `x` and returns `−Σ log s(h)`.
    public func affineCoupling(
        shift: Tensor, rawScale: Tensor, scale: CouplingScale, order: CouplingOrder, inverse: Bool = false
    ) throws -> (output: Tensor, logDet: Tensor) {
        let spec = try Self.couplingSpec("affineCoupling", self, shift, rawScale, scale, order)
        let output = try Tensor.empty(shape, on: device)
        let logDet = try Tensor.empty([spec.rows], on: device)
        try device.coupling(
            spec, inverse: inverse, x: buffer, shift: shift.buffer, rawScale: rawScale.buffer,
            y: output.buffer, logDet: logDet.buffer)
        return (output, logDet)
    }

    /// Backward of the forward coupling, given `∂L/∂y` and `∂L/∂logDet` (`[B]`).
    public static func affineCouplingBackward(
        input: Tensor, shift: Tensor, rawScale: Tensor, scale: CouplingScale, order: CouplingOrder,
        gradOutput: Tensor, gradLogDet: Tensor
    ) throws -> CouplingGradients {
        let op = "affineCouplingBackward"
        let spec = try couplingSpec(op, input, shift, rawScale, scale, order)
        try Validate.sameDevice(op, input, gradOutput, gradLogDet)
        try Validate.shape(op, "gradOutput", gradOutput, input.shape)
        try Validate.shape(op, "gradLogDet", gradLogDet, [spec.rows])
        let device = input.device
        let grads = CouplingGradients(
            input: try Tensor.empty(input.shape, on: device), shift: try Tensor.empty(input.shape, on: device),
            rawScale: try Tensor.empty(input.shape, on: device))
        try device.couplingBackward(
            spec, x: input.buffer, shift: shift.buffer, rawScale: rawScale.buffer, gradY: gradOutput.buffer,
            gradLogDet: gradLogDet.buffer, gradX: grads.input.buffer, gradShift: grads.shift.buffer,
            gradRawScale: grads.rawScale.buffer)
        return grads
    }

    private static func couplingSpec(
        _ op: String, _ x: Tensor, _ shift: Tensor, _ rawScale: Tensor, _ scale: CouplingScale, _ order: CouplingOrder
    ) throws -> CouplingSpec {
        try Validate.sameDevice(op, x, shift, rawScale)
        try Validate.rank(op, "input", x, 1...8)
        try Validate.shape(op, "shift", shift, x.shape)
        try Validate.shape(op, "rawScale", rawScale, x.shape)
        let rows = x.shape[0]
        return CouplingSpec(rows: rows, columns: rows == 0 ? 0 : x.count / rows, scale: scale, order: order)
    }
}
