import FlowRuntime

/// A named transform that is a fixed chain inside (MAF, IAF): forward, inverse, backward,
/// parameters and the backward mode all delegate to `chain`, state and diagnostics reach the
/// transforms inside through `TransformContainer`, and the range rule checks between its blocks.
public protocol ChainedTransform: StagedTransform, TransformContainer {
    var chain: Chain { get }
}

extension ChainedTransform {
    public var parameters: [Parameter] { chain.parameters }
    public var children: [any Bijector] { [chain] }

    public var backwardMode: BackwardMode {
        get { chain.backwardMode }
        set { chain.backwardMode = newValue }
    }

    public func forward(_ x: Tensor, context: Tensor?) throws -> (result: BijectorResult, tape: any BijectorTape) {
        try chain.forward(x, context: context)
    }

    public func forward(_ x: Tensor, context: Tensor?, monitor: RangeMonitor) throws -> BijectorResult {
        try chain.forward(x, context: context, monitor: monitor)
    }

    public func inverse(_ z: Tensor, context: Tensor?) throws -> BijectorResult { try chain.inverse(z, context: context) }

    public func backward(_ tape: any BijectorTape, gradOutput: Tensor, gradLogDet: Tensor) throws -> BijectorGradients {
        try chain.backward(tape, gradOutput: gradOutput, gradLogDet: gradLogDet)
    }
}
