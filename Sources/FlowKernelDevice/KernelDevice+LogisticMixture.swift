import FlowCore

/// The Flow++ logistic-mixture transformer (`mixture.cl`).
extension KernelDevice {
    public func logisticMixture(
        _ spec: LogisticMixtureSpec, inverse: Bool, x: any DeviceBuffer, parameters: any DeviceBuffer,
        y: any DeviceBuffer, logDet: any DeviceBuffer
    ) throws {
        let o = spec.options
        try launchReduction(
            "mixture", "mixture_fwd", groups: spec.rows, workPerGroup: spec.columns,
            Self.mixtureArguments(spec) + [
                .int(o.inverseIterations), .int(inverse ? 1 : 0), .buffer(x), .buffer(parameters), .buffer(y),
                .buffer(logDet),
            ])
    }

    public func logisticMixtureBackward(
        _ spec: LogisticMixtureSpec, x: any DeviceBuffer, parameters: any DeviceBuffer, gradY: any DeviceBuffer,
        gradLogDet: any DeviceBuffer, gradX: any DeviceBuffer, gradParameters: any DeviceBuffer
    ) throws {
        try launchElementwise(
            "mixture", "mixture_bwd", count: spec.count,
            Self.mixtureArguments(spec) + [
                .buffer(x), .buffer(parameters), .buffer(gradY), .buffer(gradLogDet), .buffer(gradX), .buffer(gradParameters),
            ])
    }

    /// The leading arguments shared by both kernels: sizes and the options they read.
    private static func mixtureArguments(_ spec: LogisticMixtureSpec) -> [KernelArgument] {
        [
            .int(spec.rows), .int(spec.columns), .int(spec.options.components), .float(spec.options.minLogScale),
            .float(spec.options.maxAffineLogScale),
        ]
    }
}
