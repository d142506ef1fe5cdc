extension Tensor {
    public func unary(_ op: UnaryOp) throws -> Tensor {
        let result = try Tensor.empty(shape, on: device)
        try device.unary(op, count: count, x: buffer, y: result.buffer)
        return result
    }

    /// `∂L/∂x = f'(x) · ∂L/∂y` for `output = f(input)`.
    public static func unaryBackward(_ op: UnaryOp, input: Tensor, output: Tensor, gradOutput: Tensor) throws -> Tensor {
        let name = "unaryBackward"
        try Validate.sameDevice(name, input, output, gradOutput)
        try Validate.shape(name, "output", output, input.shape)
        try Validate.shape(name, "gradOutput", gradOutput, input.shape)
        let result = try Tensor.empty(input.shape, on: input.device)
        try input.device.unaryBackward(
            op, count: input.count, x: input.buffer, y: output.buffer, gradY: gradOutput.buffer, gradX: result.buffer)
        return result
    }

    /// `self ∘ other` elementwise; `other` either has this shape or is `[C]`, broadcast along axis 1
    /// (per-feature for `[B, D]`, per-channel for `[B, C, H, W]`).
    public func applying(_ op: BinaryOp, _ other: Tensor) throws -> Tensor {
        let name = "binary(\(op))"
        try Validate.sameDevice(name, self, other)
        let (view, broadcast) = try broadcastView(name, other)
        let result = try Tensor.empty(shape, on: device)
        try device.binary(op, view: view, broadcastB: broadcast, a: buffer, b: other.buffer, c: result.buffer)
        return result
    }

    /// Gradients of `a ∘ b` (see `applying`); a broadcast `b` gets its gradient summed per channel.
    public static func binaryBackward(_ op: BinaryOp, a: Tensor, b: Tensor, gradOutput: Tensor) throws -> (a: Tensor, b: Tensor) {
        let name = "binaryBackward(\(op))"
        try Validate.sameDevice(name, a, b, gradOutput)
        try Validate.shape(name, "gradOutput", gradOutput, a.shape)
        let (_, broadcast) = try a.broadcastView(name, b)
        let gradA: Tensor
        var gradB: Tensor
        switch op {
        // Fresh tensors even where the gradient is ∂L/∂c itself, so a later in-place update of
        // one result never changes the caller's tensor.
        case .add:
            gradA = try gradOutput.copy(to: gradOutput.device)
            gradB = try gradOutput.copy(to: gradOutput.device)
        case .subtract:
            gradA = try gradOutput.copy(to: gradOutput.device)
            gradB = try gradOutput.unary(.scale(-1))
        case .multiply:
            gradA = try gradOutput.applying(.multiply, b)
            gradB = try gradOutput.applying(.multiply, a)
        }
        if broadcast { gradB = try gradB.channelSum() }
        return (gradA, gradB)
    }

    private func broadcastView(_ name: String, _ other: Tensor) throws -> (AxisView, Bool) {
        if other.shape == shape { return (AxisView(outer: 1, mid: 1, inner: count), false) }
        if rank >= 2, other.shape == [shape[1]] { return (try Validate.channelView(name, self), true) }
        throw FlowError.shapeMismatch(op: name, detail: "\(shape) with \(other.shape): need equal shapes or [\(rank >= 2 ? shape[1] : 0)] along axis 1")
    }

    /// ActNorm per channel (axis 1): forward `y = (x − loc) · exp(−logScale)` with per-sample
    /// log-det `−(positions) · Σ logScale`; `inverse` maps back and returns the negated log-det.
    public func actNorm(loc: Tensor, logScale: Tensor, inverse: Bool = false) throws -> (output: Tensor, logDet: Tensor) {
        let op = "actNorm"
        let view = try Validate.channelView(op, self)
        try Validate.sameDevice(op, self, loc, logScale)
        try Validate.shape(op, "loc", loc, [view.mid])
        try Validate.shape(op, "logScale", logScale, [view.mid])
        let output = try Tensor.empty(shape, on: device)
        try device.channelAffine(view, inverse: inverse, x: buffer, loc: loc.buffer, logScale: logScale.buffer, y: output.buffer)
        let perSample = try logScale.sum().unary(.scale(Float(view.inner) * (inverse ? 1 : -1)))
        let logDet = try Tensor.zeros([view.outer], on: device)
        try device.binary(
            .add, view: AxisView(outer: view.outer, mid: 1, inner: 1), broadcastB: true, a: logDet.buffer,
            b: perSample.buffer, c: logDet.buffer)
        return (output, logDet)
    }

    /// Backward of forward ActNorm, given `∂L/∂y` and `∂L/∂logDet` (`[B]`).
    public static func actNormBackward(
        input: Tensor, loc: Tensor, logScale: Tensor, gradOutput: Tensor, gradLogDet: Tensor
    ) throws -> (input: Tensor, loc: Tensor, logScale: Tensor) {
        let op = "actNormBackward"
        let view = try Validate.channelView(op, input)
        try Validate.sameDevice(op, input, loc, logScale, gradOutput, gradLogDet)
        try Validate.shape(op, "loc", loc, [view.mid])
        try Validate.shape(op, "logScale", logScale, [view.mid])
        try Validate.shape(op, "gradOutput", gradOutput, input.shape)
        try Validate.shape(op, "gradLogDet", gradLogDet, [view.outer])
        let device = input.device
        let grads = (
            input: try Tensor.empty(input.shape, on: device), loc: try Tensor.empty([view.mid], on: device),
            logScale: try Tensor.empty([view.mid], on: device)
        )
        try device.channelAffineBackward(
            view, x: input.buffer, loc: loc.buffer, logScale: logScale.buffer, gradY: gradOutput.buffer,
            gradLogDet: gradLogDet.buffer, gradX: grads.input.buffer, gradLoc: grads.loc.buffer,
            gradLogScale: grads.logScale.buffer)
        return grads
    }

    /// PReLU with a learnable slope per channel (axis 1): `y = x` for x ≥ 0, `slope_c · x` otherwise.
    public func prelu(slope: Tensor) throws -> Tensor {
        let op = "prelu"
        let view = try Validate.channelView(op, self)
        try Validate.sameDevice(op, self, slope)
        try Validate.shape(op, "slope", slope, [view.mid])
        let output = try Tensor.empty(shape, on: device)
        try device.prelu(view, x: buffer, slope: slope.buffer, y: output.buffer)
        return output
    }

    public static func preluBackward(input: Tensor, slope: Tensor, gradOutput: Tensor) throws -> (input: Tensor, slope: Tensor) {
        let op = "preluBackward"
        let view = try Validate.channelView(op, input)
        try Validate.sameDevice(op, input, slope, gradOutput)
        try Validate.shape(op, "slope", slope, [view.mid])
        try Validate.shape(op, "gradOutput", gradOutput, input.shape)
        let grads = (input: try Tensor.empty(input.shape, on: input.device), slope: try Tensor.empty([view.mid], on: input.device))
        try input.device.preluBackward(
            view, x: input.buffer, slope: slope.buffer, gradY: gradOutput.buffer, gradX: grads.input.buffer,
            gradSlope: grads.slope.buffer)
        return grads
    }
}
