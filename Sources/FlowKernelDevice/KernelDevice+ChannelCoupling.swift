import FlowCore

/// The channel coupling from the whole input and conditioner output (`channel_coupling_*` in
/// `coupling.cl`): one launch forward, two backward (the coupling, then the conditioner's share
/// added to the kept channels), instead of the fallback's splits, gathers and concatenations.
extension KernelDevice: ChannelCouplingCapable {
    /// The kernels index x and h with 32-bit ints; h holds up to B·(C + 1)·positions values.
    private func checkIndexable(_ spec: ChannelCouplingSpec) throws {
        let (largest, overflow) = spec.batch.multipliedReportingOverflow(by: (spec.channels + 1) * spec.positions)
        guard !overflow, largest <= Int(Int32.max) else {
            throw FlowError.invalidArgument(
                op: "channelCoupling", detail: "[\(spec.batch), \(spec.channels), \(spec.positions)] exceeds the kernels' 32-bit indices")
        }
    }

    private func layoutArguments(_ spec: ChannelCouplingSpec) -> [KernelArgument] {
        [
            .int(spec.channels), .int(spec.positions), .int(spec.transformedStart), .int(spec.transformed),
            .int(spec.interleaved ? 1 : 0), .int(spec.shiftFirst ? 0 : 1), .int(Int(spec.scale.rawValue)), .int(Int(spec.order.rawValue)),
        ]
    }

    public func channelCoupling(
        _ spec: ChannelCouplingSpec, inverse: Bool, x: any DeviceBuffer, conditionerOutput: any DeviceBuffer,
        y: any DeviceBuffer, logDet: any DeviceBuffer
    ) throws {
        try checkIndexable(spec)
        try launchReduction(
            "coupling", "channel_coupling_fwd", groups: spec.batch, workPerGroup: spec.channels * spec.positions,
            layoutArguments(spec) + [.int(inverse ? 1 : 0), .buffer(x), .buffer(conditionerOutput), .buffer(y), .buffer(logDet)])
    }

    public func channelCouplingBackward(
        _ spec: ChannelCouplingSpec, x: any DeviceBuffer, conditionerOutput: any DeviceBuffer, gradY: any DeviceBuffer,
        gradLogDet: any DeviceBuffer, gradX: any DeviceBuffer, gradConditionerOutput: any DeviceBuffer
    ) throws {
        try checkIndexable(spec)
        try launchElementwise(
            "coupling", "channel_coupling_bwd", count: spec.batch * spec.channels * spec.positions,
            [.int(spec.batch)] + layoutArguments(spec)
                + [.buffer(x), .buffer(conditionerOutput), .buffer(gradY), .buffer(gradLogDet), .buffer(gradX), .buffer(gradConditionerOutput)])
    }

    public func channelCouplingAddKept(_ spec: ChannelCouplingSpec, gradKept: any DeviceBuffer, gradX: any DeviceBuffer) throws {
        try checkIndexable(spec)
        try launchElementwise(
            "coupling", "channel_coupling_add_kept", count: spec.batch * spec.kept * spec.positions,
            [.int(spec.batch), .int(spec.channels), .int(spec.positions), .int(spec.keptStart), .int(spec.kept), .buffer(gradKept), .buffer(gradX)])
    }
}
