import FlowCore

/// The rational-quadratic spline (`spline.cl`).
extension KernelDevice {
    public func spline(
        _ spec: SplineSpec, inverse: Bool, x: any DeviceBuffer, parameters: any DeviceBuffer, y: any DeviceBuffer,
        logDet: any DeviceBuffer
    ) throws {
        try launchReduction(
            "spline", "spline_fwd", groups: spec.rows, workPerGroup: spec.columns,
            Self.splineArguments(spec) + [.int(inverse ? 1 : 0), .buffer(x), .buffer(parameters), .buffer(y), .buffer(logDet)])
    }

    public func splineBackward(
        _ spec: SplineSpec, x: any DeviceBuffer, parameters: any DeviceBuffer, gradY: any DeviceBuffer,
        gradLogDet: any DeviceBuffer, gradX: any DeviceBuffer, gradParameters: any DeviceBuffer
    ) throws {
        try launchElementwise(
            "spline", "spline_bwd", count: spec.count,
            Self.splineArguments(spec) + [
                .buffer(x), .buffer(parameters), .buffer(gradY), .buffer(gradLogDet), .buffer(gradX), .buffer(gradParameters),
            ])
    }

    /// The leading arguments shared by both kernels: sizes and the spline's options.
    private static func splineArguments(_ spec: SplineSpec) -> [KernelArgument] {
        let o = spec.options
        return [
            .int(spec.rows), .int(spec.columns), .int(o.bins), .float(o.bound), .float(o.minBinWidth),
            .float(o.minBinHeight), .float(o.minDerivative),
        ]
    }
}
