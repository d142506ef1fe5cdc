/// Gradients of the fused rational-quadratic spline: `parameters` is packed like the parameters
/// (`[…, 3K − 1]`: widths, heights, interior derivatives), zero for elements in the tails.
public struct SplineGradients: Sendable {
    public var input: Tensor
    public var parameters: Tensor
}

extension Tensor {
    /// Rational-quadratic spline (see `SplineOptions`) of every element of this tensor (`[B, …]`),
    /// with unnormalised `parameters` of shape `shape + [3K − 1]`. Forward returns `y` and the
    /// per-sample log-det `Σ log dy/dx`; with `inverse` it maps `y` back to `x` (the stable root of
    /// the bin's quadratic) and returns the negative log-det. Outside `[−bound, bound]` the map is
    /// the identity with log-det 0.
    public func rationalQuadraticSpline(
        parameters: Tensor, options: SplineOptions, inverse: Bool = false
    ) throws -> (output: Tensor, logDet: Tensor) {
        let spec = try Self.splineSpec("rationalQuadraticSpline", self, parameters, options)
        let output = try Tensor.empty(shape, on: device)
        let logDet = try Tensor.empty([spec.rows], on: device)
        try device.spline(spec, inverse: inverse, x: buffer, parameters: parameters.buffer, y: output.buffer, logDet: logDet.buffer)
        return (output, logDet)
    }

    /// Backward of the forward spline, given `∂L/∂y` and `∂L/∂logDet` (`[B]`).
    public static func rationalQuadraticSplineBackward(
        input: Tensor, parameters: Tensor, options: SplineOptions, gradOutput: Tensor, gradLogDet: Tensor
    ) throws -> SplineGradients {
        let op = "rationalQuadraticSplineBackward"
        let spec = try splineSpec(op, input, parameters, options)
        try Validate.sameDevice(op, input, gradOutput, gradLogDet)
        try Validate.shape(op, "gradOutput", gradOutput, input.shape)
        try Validate.shape(op, "gradLogDet", gradLogDet, [spec.rows])
        let device = input.device
        let grads = SplineGradients(
            input: try Tensor.empty(input.shape, on: device), parameters: try Tensor.empty(parameters.shape, on: device))
        try device.splineBackward(
            spec, x: input.buffer, parameters: parameters.buffer, gradY: gradOutput.buffer,
            gradLogDet: gradLogDet.buffer, gradX: grads.input.buffer, gradParameters: grads.parameters.buffer)
        return grads
    }

    private static func splineSpec(_ op: String, _ x: Tensor, _ parameters: Tensor, _ options: SplineOptions) throws
        -> SplineSpec
    {
        try options.validate(op)
        try Validate.sameDevice(op, x, parameters)
        try Validate.rank(op, "input", x, 1...7)
        try Validate.shape(op, "parameters", parameters, x.shape + [options.parametersPerElement])
        let rows = x.shape[0]
        return SplineSpec(rows: rows, columns: rows == 0 ? 0 : x.count / rows, options: options)
    }
}
