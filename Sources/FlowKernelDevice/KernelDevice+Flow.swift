import FlowCore

/// Coupling, ActNorm and PReLU (`coupling.cl`, `channel.cl`).
extension KernelDevice {
    public func coupling(
        _ spec: CouplingSpec, inverse: Bool, x: any DeviceBuffer, shift: any DeviceBuffer, rawScale: any DeviceBuffer,
        y: any DeviceBuffer, logDet: any DeviceBuffer
    ) throws {
        try launchReduction(
            "coupling", "coupling_fwd", groups: spec.rows, workPerGroup: spec.columns,
            [
                .int(spec.rows), .int(spec.columns), .int(Int(spec.scale.rawValue)), .int(Int(spec.order.rawValue)),
                .int(inverse ? 1 : 0), .buffer(x), .buffer(shift), .buffer(rawScale), .buffer(y), .buffer(logDet),
            ])
    }

    public func couplingBackward(
        _ spec: CouplingSpec, x: any DeviceBuffer, shift: any DeviceBuffer, rawScale: any DeviceBuffer,
        gradY: any DeviceBuffer, gradLogDet: any DeviceBuffer,
        gradX: any DeviceBuffer, gradShift: any DeviceBuffer, gradRawScale: any DeviceBuffer
    ) throws {
        try launchElementwise(
            "coupling", "coupling_bwd", count: spec.count,
            [
                .int(spec.rows), .int(spec.columns), .int(Int(spec.scale.rawValue)), .int(Int(spec.order.rawValue)),
                .buffer(x), .buffer(shift), .buffer(rawScale), .buffer(gradY), .buffer(gradLogDet),
                .buffer(gradX), .buffer(gradShift), .buffer(gradRawScale),
            ])
    }

    public func channelAffine(
        _ view: AxisView, inverse: Bool, x: any DeviceBuffer, loc: any DeviceBuffer, logScale: any DeviceBuffer,
        y: any DeviceBuffer
    ) throws {
        try launchElementwise(
            "channel", "actnorm_fwd", count: view.count,
            [.int(view.count), .int(view.mid), .int(max(1, view.inner)), .int(inverse ? 1 : 0), .buffer(x), .buffer(loc), .buffer(logScale), .buffer(y)])
    }

    public func channelAffineBackward(
        _ view: AxisView, x: any DeviceBuffer, loc: any DeviceBuffer, logScale: any DeviceBuffer,
        gradY: any DeviceBuffer, gradLogDet: any DeviceBuffer,
        gradX: any DeviceBuffer, gradLoc: any DeviceBuffer, gradLogScale: any DeviceBuffer
    ) throws {
        try launchElementwise(
            "channel", "actnorm_bwd_data", count: view.count,
            [.int(view.count), .int(view.mid), .int(max(1, view.inner)), .buffer(logScale), .buffer(gradY), .buffer(gradX)])
        try launchReduction(
            "channel", "actnorm_bwd_params", groups: view.mid, workPerGroup: max(view.outer * view.inner, view.outer),
            [
                .int(view.outer), .int(view.mid), .int(view.inner), .buffer(x), .buffer(loc), .buffer(logScale),
                .buffer(gradY), .buffer(gradLogDet), .buffer(gradLoc), .buffer(gradLogScale),
            ])
    }

    public func prelu(_ view: AxisView, x: any DeviceBuffer, slope: any DeviceBuffer, y: any DeviceBuffer) throws {
        try launchElementwise(
            "channel", "prelu_fwd", count: view.count,
            [.int(view.count), .int(view.mid), .int(max(1, view.inner)), .buffer(x), .buffer(slope), .buffer(y)])
    }

    public func preluBackward(
        _ view: AxisView, x: any DeviceBuffer, slope: any DeviceBuffer, gradY: any DeviceBuffer,
        gradX: any DeviceBuffer, gradSlope: any DeviceBuffer
    ) throws {
        try launchElementwise(
            "channel", "prelu_bwd_data", count: view.count,
            [.int(view.count), .int(view.mid), .int(max(1, view.inner)), .buffer(x), .buffer(slope), .buffer(gradY), .buffer(gradX)])
        try launchReduction(
            "channel", "prelu_bwd_slope", groups: view.mid, workPerGroup: view.outer * view.inner,
            [.int(view.outer), .int(view.mid), .int(view.inner), .buffer(x), .buffer(gradY), .buffer(gradSlope)])
    }
}
