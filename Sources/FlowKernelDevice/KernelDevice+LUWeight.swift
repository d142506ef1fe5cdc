import FlowCore

/// Glow's LU weight in one launch each way (`lu_weight`, `lu_weight_bwd` in `channel.cl`) instead
/// of the fallback's 13 each way: one work-item per weight entry, each summing
/// its row-by-column product directly from the factors.
extension KernelDevice: LUWeightCapable {
    public func luWeight(
        _ parts: LUWeightBuffers, batch: Int, logDetScale: Float, weight: any DeviceBuffer, logDet: any DeviceBuffer
    ) throws {
        let channels = parts.channels
        try launchElementwise(
            "channel", "lu_weight", count: channels * channels + batch,
            [
                .int(channels), .int(batch), .float(logDetScale), .buffer(parts.lower), .buffer(parts.upper), .buffer(parts.logS),
                .buffer(parts.signs), .buffer(parts.rowSource), .buffer(weight), .buffer(logDet),
            ])
    }

    public func luWeightBackward(
        _ parts: LUWeightBuffers, batch: Int, logDetScale: Float, gradWeight: any DeviceBuffer,
        gradLogDet: any DeviceBuffer, gradLower: any DeviceBuffer, gradUpper: any DeviceBuffer, gradLogS: any DeviceBuffer
    ) throws {
        let channels = parts.channels
        try launchElementwise(
            "channel", "lu_weight_bwd", count: channels * channels,
            [
                .int(channels), .int(batch), .float(logDetScale), .buffer(parts.lower), .buffer(parts.upper), .buffer(parts.logS),
                .buffer(parts.signs), .buffer(parts.rowOrder), .buffer(gradWeight), .buffer(gradLogDet), .buffer(gradLower),
                .buffer(gradUpper), .buffer(gradLogS),
            ])
    }
}
