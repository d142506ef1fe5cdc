/// An optional capability: a device that reorders a matrix's rows and columns, with a mask as a
/// select, in one pass (MADE's weights into degree order and their gradients back, once per
/// step). `Tensor.permutedMatrix` checks for it at run time and otherwise gathers the rows, then
/// the columns, then selects by the mask, which is what the op means; one pass saves two
/// intermediate matrices, so both built-in backends adopt it.
public protocol PermuteMatrixCapable: Device {
    /// `y[i, j] = x[rowIndices[i], columnIndices[j]]` for a `rows × columns` matrix, or 0 where
    /// `mask[i, j]` is 0 (a select, so whatever `x` holds there, even NaN, never reaches `y`).
    /// Called by `Tensor.permutedMatrix` with indices it has checked to be in range.
    func permuteMatrix(
        rows: Int, columns: Int, x: any DeviceBuffer, rowIndices: any DeviceBuffer, columnIndices: any DeviceBuffer,
        mask: (any DeviceBuffer)?, y: any DeviceBuffer) throws
}
