import FlowRuntime

/// A transform made of stages run one after another — chains, MAF/IAF stacks, multi-scale
/// levels, a VAE's encoder → posterior → decoder — whose forward pass can apply the range rule
/// between its stages (`RangeMonitor`), so that no stage reads a state that left Float's range.
public protocol StagedTransform: Bijector {
    /// `transform(x)`'s result with `monitor` checking every state one stage hands to the next,
    /// and the transform's own output (through its last stage or explicitly). With a `.watch`
    /// monitor it computes exactly what `forward` computes.
    func forward(_ x: Tensor, context: Tensor?, monitor: RangeMonitor) throws -> BijectorResult
}

/// The same accumulation as `forward`, stage by stage through the monitor.
extension Chain: StagedTransform {
    public func forward(_ x: Tensor, context: Tensor?, monitor: RangeMonitor) throws -> BijectorResult {
        var current = x
        let logDet = try Tensor.zeros([x.batch], on: x.device)
        for transform in transforms {
            let result = try monitor.forward(transform, current, context: context)
            try logDet.accumulate(result.logDet)
            current = result.output
        }
        return BijectorResult(output: current, logDet: logDet)
    }
}
