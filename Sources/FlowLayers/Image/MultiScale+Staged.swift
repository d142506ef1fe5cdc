import FlowRuntime

/// The range rule between the levels' transforms and priors; the splits and the concatenation
/// only move checked entries.
extension MultiScale: StagedTransform {
    /// The same operations as `forward`, in the same order, each level's chain and prior through
    /// the monitor.
    public func forward(_ x: Tensor, context: Tensor?, monitor: RangeMonitor) throws -> BijectorResult {
        guard Array(x.shape.dropFirst()) == inputShape else {
            throw FlowError.shapeMismatch(op: "\(name).forward", detail: "input \(x.shape), expected [B] + \(inputShape)")
        }
        var current = x
        let logDet = try Tensor.zeros([x.batch], on: x.device)
        var latents: [Tensor] = []
        for index in chains.indices {
            let result = try monitor.forward(chains[index], current, context: context)
            try logDet.accumulate(result.logDet)
            current = result.output
            if index < chains.count - 1 {
                if let prior = priors[index] {
                    let priorResult = try monitor.forward(prior, current, context: context)
                    try logDet.accumulate(priorResult.logDet)
                    current = priorResult.output
                }
                let parts = try current.split(halves(index))
                latents.append(try parts[1].flattenedBatch())
                current = parts[0]
            }
        }
        latents.append(try current.flattenedBatch())
        return BijectorResult(output: latents.count == 1 ? latents[0] : try Tensor.concat(latents), logDet: logDet)
    }
}
