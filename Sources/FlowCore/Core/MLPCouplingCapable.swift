/// An optional capability: a device that runs a whole vector affine coupling with an MLP
/// conditioner (`Tensor.mlpAffineCoupling`) as one op forward and one backward, instead of the
/// dozen ops of the fallback (gathers, the MLP, splits, the coupling, concatenations, the weight
/// products and sums). A small flow's training step is a few hundred such ops (a 2-D RealNVP:
/// 8 couplings of a 1 → 128 → 128 → 2 MLP), and on a CPU each costs a hand-off between the cores; the fused
/// op takes each thread's rows through the whole coupling, backward included.
///
/// `Tensor.mlpAffineCoupling` checks the shapes and allocates every output; the device fills
/// them. Results must agree with the fallback up to rounding: a device may sum the products, the
/// log-det and the parameter gradients in another order.
public protocol MLPCouplingCapable: Device {
    /// Fills `layerInputs` (the MLP's input `[rows, spec.conditionerInputs]`, then each hidden
    /// layer's ReLU output), `conditionerOutput` `[rows, widths.last]`, `y` (shaped like `x`) and
    /// `logDet` `[rows]`. `context` is present exactly when `spec.contextFeatures > 0`.
    func mlpAffineCoupling(
        _ spec: MLPCouplingSpec, inverse: Bool, x: any DeviceBuffer, context: (any DeviceBuffer)?,
        weights: [any DeviceBuffer], biases: [any DeviceBuffer], layerInputs: [any DeviceBuffer],
        conditionerOutput: any DeviceBuffer, y: any DeviceBuffer, logDet: any DeviceBuffer
    ) throws

    /// From the forward's `x`, `layerInputs` and `conditionerOutput`, and the gradients of `y`
    /// and `logDet`, fills `gradX`, `gradContext` (present exactly when the spec has context),
    /// and each layer's `gradWeights` `[widths[l], inputs(ofLayer: l)]` and `gradBiases`
    /// (overwritten, not accumulated).
    func mlpAffineCouplingBackward(
        _ spec: MLPCouplingSpec, x: any DeviceBuffer, weights: [any DeviceBuffer], layerInputs: [any DeviceBuffer],
        conditionerOutput: any DeviceBuffer, gradY: any DeviceBuffer, gradLogDet: any DeviceBuffer,
        gradX: any DeviceBuffer, gradContext: (any DeviceBuffer)?, gradWeights: [any DeviceBuffer],
        gradBiases: [any DeviceBuffer]
    ) throws
}
