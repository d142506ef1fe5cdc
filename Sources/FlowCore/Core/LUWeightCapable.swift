/// An optional capability: a device that assembles Glow's LU-parametrised 1×1-convolution weight
/// (`Tensor.luWeight`) in one op, with its log-det, and takes the parameters' gradients back in
/// one op. The fallback is a dozen small ops each way (masks, sums with the identity, the
/// diagonal's exponential, two products, the log-det's sum and broadcast), every one a kernel
/// launch on a GPU; a Glow step does this once per flow step, for matrices of a few channels.
///
/// `Tensor.luWeight` checks the shapes and the permutation and allocates every output; the device
/// fills them. Results must agree with the fallback up to rounding (a device may sum in another
/// order).
public protocol LUWeightCapable: Device {
    /// Fills `weight` `[C, C]` with `P · (L + I) · (U + diag(signs ⊙ exp(logS)))` and each of the
    /// `batch` entries of `logDet` with `logDetScale · Σ logS`. `P[rowOrder[i], i] = 1`, and
    /// `rowSource` is `rowOrder`'s inverse (`rowSource[rowOrder[i]] = i`); both hold `C` Int32s.
    /// Only the strict triangles of `lower` and `upper` are read.
    func luWeight(
        _ parts: LUWeightBuffers, batch: Int, logDetScale: Float, weight: any DeviceBuffer, logDet: any DeviceBuffer
    ) throws

    /// With `G = gradWeight`: fills `gradLower` with `Pᵀ G (U + diag d)ᵀ` on the strict lower
    /// triangle and 0 elsewhere, `gradUpper` with `(P (L + I))ᵀ G` on the strict upper triangle and
    /// 0 elsewhere, and `gradLogS[i]` with that product's diagonal times `d[i]` plus
    /// `logDetScale · Σ_b gradLogDet[b]` (`d = signs ⊙ exp(logS)`; overwritten, not accumulated).
    func luWeightBackward(
        _ parts: LUWeightBuffers, batch: Int, logDetScale: Float, gradWeight: any DeviceBuffer,
        gradLogDet: any DeviceBuffer, gradLower: any DeviceBuffer, gradUpper: any DeviceBuffer, gradLogS: any DeviceBuffer
    ) throws
}

/// The buffers of an LU-parametrised weight, as `LUWeightCapable` receives them.
public struct LUWeightBuffers: Sendable {
    public var channels: Int
    public var lower: any DeviceBuffer
    public var upper: any DeviceBuffer
    public var logS: any DeviceBuffer
    public var signs: any DeviceBuffer
    public var rowOrder: any DeviceBuffer
    public var rowSource: any DeviceBuffer
}
