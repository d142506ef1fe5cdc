import FlowCore

/// Data movement along axis 1 (`layout.cl`), and `PermuteMatrixCapable` (one kernel instead of
/// two gathers and a select).
extension KernelDevice: PermuteMatrixCapable {
    public func copySlab(
        outer: Int, inner: Int, length: Int,
        source: any DeviceBuffer, sourceMid: Int, sourceStart: Int,
        destination: any DeviceBuffer, destinationMid: Int, destinationStart: Int
    ) throws {
        try launchElementwise(
            "layout", "copy_slab", count: outer * length * inner,
            [
                .int(outer), .int(inner), .int(length), .buffer(source), .int(sourceMid), .int(sourceStart),
                .buffer(destination), .int(destinationMid), .int(destinationStart),
            ])
    }

    public func squeeze2x2(
        batch: Int, channels: Int, height: Int, width: Int, inverse: Bool, x: any DeviceBuffer, y: any DeviceBuffer
    ) throws {
        try launchElementwise(
            "layout", "squeeze2x2", count: batch * channels * height * width,
            [.int(batch), .int(channels), .int(height), .int(width), .int(inverse ? 1 : 0), .buffer(x), .buffer(y)])
    }

    public func permuteMatrix(
        rows: Int, columns: Int, x: any DeviceBuffer, rowIndices: any DeviceBuffer, columnIndices: any DeviceBuffer,
        mask: (any DeviceBuffer)?, y: any DeviceBuffer
    ) throws {
        try launchElementwise(
            "layout", "permute_matrix", count: rows * columns,
            [
                .int(rows), .int(columns), .buffer(x), .buffer(rowIndices), .buffer(columnIndices), .optionalBuffer(mask),
                .int(mask == nil ? 0 : 1), .buffer(y),
            ])
    }

    public func gather(_ view: AxisView, x: any DeviceBuffer, indices: any DeviceBuffer, y: any DeviceBuffer) throws {
        try launchElementwise(
            "layout", "gather_mid", count: view.count,
            [.int(view.outer), .int(view.mid), .int(view.inner), .buffer(x), .buffer(indices), .buffer(y)])
    }
}
