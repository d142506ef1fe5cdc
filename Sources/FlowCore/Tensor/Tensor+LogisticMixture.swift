extension Tensor {
    /// Flow++ logistic-mixture CDF transformer (see `LogisticMixtureOptions`) of every element of
    /// this tensor (`[B, …]`), with `parameters` of shape `shape + [3K + 2]`. Forward returns `y` and
    /// the per-sample log-det `Σ log dy/dx`; with `inverse` it maps `y` back to `x` by bisection
    /// and returns the negative log-det at the `x` it returns.
    public func logisticMixture(
        parameters: Tensor, options: LogisticMixtureOptions, inverse: Bool = false
    ) throws -> (output: Tensor, logDet: Tensor) {
        let spec = try Self.logisticMixtureSpec("logisticMixture", self, parameters, options)
        let output = try Tensor.empty(shape, on: device)
        let logDet = try Tensor.empty([spec.rows], on: device)
        try device.logisticMixture(
            spec, inverse: inverse, x: buffer, parameters: parameters.buffer, y: output.buffer, logDet: logDet.buffer)
        return (output, logDet)
    }

    /// Backward of the forward transformer, given `∂L/∂y` and `∂L/∂logDet` (`[B]`).
    public static func logisticMixtureBackward(
        input: Tensor, parameters: Tensor, options: LogisticMixtureOptions, gradOutput: Tensor, gradLogDet: Tensor
    ) throws -> LogisticMixtureGradients {
        let op = "logisticMixtureBackward"
        let spec = try logisticMixtureSpec(op, input, parameters, options)
        try Validate.sameDevice(op, input, gradOutput, gradLogDet)
        try Validate.shape(op, "gradOutput", gradOutput, input.shape)
        try Validate.shape(op, "gradLogDet", gradLogDet, [spec.rows])
        let device = input.device
        let grads = LogisticMixtureGradients(
            input: try Tensor.empty(input.shape, on: device), parameters: try Tensor.empty(parameters.shape, on: device))
        try device.logisticMixtureBackward(
            spec, x: input.buffer, parameters: parameters.buffer, gradY: gradOutput.buffer,
            gradLogDet: gradLogDet.buffer, gradX: grads.input.buffer, gradParameters: grads.parameters.buffer)
        return grads
    }

    private static func logisticMixtureSpec(
        _ op: String, _ x: Tensor, _ parameters: Tensor, _ options: LogisticMixtureOptions
    ) throws -> LogisticMixtureSpec {
        try options.validate(op)
        try Validate.sameDevice(op, x, parameters)
        try Validate.rank(op, "input", x, 1...7)
        try Validate.shape(op, "parameters", parameters, x.shape + [options.parametersPerElement])
        let rows = x.shape[0]
        return LogisticMixtureSpec(rows: rows, columns: rows == 0 ? 0 : x.count / rows, options: options)
    }
}
