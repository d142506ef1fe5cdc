extension Tensor {
    /// Sum over every axis but the first: per-sample sums of `[B, …]` (log-dets of vectors and images).
    public func perSampleSum() throws -> Tensor {
        try Validate.rank("perSampleSum", "input", self, 1...8)
        return try reduce("perSampleSum", AxisView(outer: 1, mid: shape[0], inner: shape[0] == 0 ? 0 : count / shape[0]), squared: false)
    }

    /// Sum over the batch of `[B, D]`: one value per feature (bias gradients).
    public func featureSum() throws -> Tensor {
        try Validate.rank("featureSum", "input", self, 2...2)
        return try reduce("featureSum", AxisView(outer: shape[0], mid: shape[1], inner: 1), squared: false)
    }

    /// Sum over batch and positions of `[B, C, …]`: one value per channel (or feature for `[B, D]`).
    public func channelSum(squared: Bool = false) throws -> Tensor {
        try reduce("channelSum", Validate.channelView("channelSum", self), squared: squared)
    }

    /// Sum of all elements, as a one-element tensor.
    public func sum() throws -> Tensor {
        try reduce("sum", AxisView(outer: 1, mid: 1, inner: count), squared: false)
    }

    /// Mean of all elements (the batch mean of per-sample losses), as a one-element tensor.
    public func mean() throws -> Tensor {
        guard count > 0 else { throw FlowError.invalidArgument(op: "mean", detail: "mean of an empty tensor \(shape)") }
        return try sum().unary(.scale(1 / Float(count)))
    }

    /// Standard-normal log-density of each sample of `[B, …]`: `−½ Σ x² − (n/2) log 2π`.
    public func normalLogProb() throws -> Tensor {
        try Validate.rank("normalLogProb", "input", self, 1...8)
        let rows = shape[0]
        let result = try Tensor.empty([rows], on: device)
        try device.normalLogProb(rows: rows, columns: rows == 0 ? 0 : count / rows, x: buffer, out: result.buffer)
        return result
    }

    private func reduce(_ op: String, _ view: AxisView, squared: Bool) throws -> Tensor {
        let result = try Tensor.empty([view.mid], on: device)
        try device.reduceSum(view, squared: squared, x: buffer, out: result.buffer)
        return result
    }
}
