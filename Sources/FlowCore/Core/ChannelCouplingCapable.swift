/// An optional capability: a device that runs an affine coupling on channels
/// (`Tensor.channelAffineCoupling`, Glow's and RealNVP's image couplings) straight from the whole
/// input and the conditioner's whole output, forward in one op and backward in two, instead of
/// the fallback's splits, de-interleaving gather, coupling and concatenations (a Glow step's
/// coupling is otherwise about 8 ops forward and 9 backward besides its conditioner).
///
/// `Tensor.channelAffineCoupling` checks the shapes and allocates every output; the device fills
/// them. Results must agree with the fallback up to rounding (the log-det may be summed in
/// another order).
public protocol ChannelCouplingCapable: Device {
    /// Fills `y` (shaped like `x`: kept channels copied, the others coupled, or uncoupled with
    /// `inverse`) and `logDet` `[batch]` (`±Σ log s`).
    func channelCoupling(
        _ spec: ChannelCouplingSpec, inverse: Bool, x: any DeviceBuffer, conditionerOutput: any DeviceBuffer,
        y: any DeviceBuffer, logDet: any DeviceBuffer) throws

    /// Backward of the forward coupling: fills `gradX` (kept channels: `gradY`'s; the others:
    /// through the coupling) and `gradConditionerOutput` (shaped and laid out like `h`).
    func channelCouplingBackward(
        _ spec: ChannelCouplingSpec, x: any DeviceBuffer, conditionerOutput: any DeviceBuffer, gradY: any DeviceBuffer,
        gradLogDet: any DeviceBuffer, gradX: any DeviceBuffer, gradConditionerOutput: any DeviceBuffer) throws

    /// `gradX[:, kept channels] += gradKept` (`[batch, kept, …]`): the conditioner's share of
    /// the kept channels' gradient, added in place.
    func channelCouplingAddKept(_ spec: ChannelCouplingSpec, gradKept: any DeviceBuffer, gradX: any DeviceBuffer) throws
}
