import FlowRuntime

/// A channel coupling (`ChannelMask`: Glow's and RealNVP's image couplings) on a device that
/// adopts `ChannelCouplingCapable` runs from the whole input and the conditioner's whole output
/// (`Tensor.channelAffineCoupling`): one copy for the conditioner's input and one coupling op
/// forward, one op and one in-place add backward, instead of the splits, gathers and
/// concatenations of the general path, which every other device keeps (it is the op's fallback).
extension AffineCoupling {
    struct ChannelTape: BijectorTape {
        var spec: ChannelCouplingSpec
        var input: Tensor
        var conditionerOutput: Tensor
        var conditionerTape: any BijectorTape
    }

    /// The coupling's spec for `x`, when the mask is a `ChannelMask` that fits `x` and the device
    /// runs channel couplings whole.
    func channelCouplingSpec(_ x: Tensor) -> ChannelCouplingSpec? {
        guard let mask = mask as? ChannelMask, x.device is any ChannelCouplingCapable, (2...4).contains(x.rank),
            x.shape[1] == mask.channels
        else { return nil }
        return ChannelCouplingSpec(
            batch: x.shape[0], channels: mask.channels, positions: x.shape.dropFirst(2).reduce(1, *), keepFirst: mask.keepFirst,
            interleaved: mask.interleaved, shiftFirst: shiftFirst, scale: scale, order: order)
    }

    func channelForward(_ x: Tensor, context: Tensor?, _ spec: ChannelCouplingSpec) throws -> (result: BijectorResult, tape: any BijectorTape) {
        let (h, conditionerTape) = try conditioner.forward(Tensor.channelCouplingKept(x, spec), context: context)
        let (output, logDet) = try Tensor.channelAffineCoupling(x, conditionerOutput: h, spec: spec)
        let tape = ChannelTape(spec: spec, input: x, conditionerOutput: h, conditionerTape: conditionerTape)
        return (BijectorResult(output: output, logDet: logDet), tape)
    }

    /// The kept channels are the same in `z` as in `x`, so the conditioner sees what it saw forward.
    func channelInverse(_ z: Tensor, context: Tensor?, _ spec: ChannelCouplingSpec) throws -> BijectorResult {
        let (h, _) = try conditioner.forward(Tensor.channelCouplingKept(z, spec), context: context)
        let (output, logDet) = try Tensor.channelAffineCoupling(z, conditionerOutput: h, spec: spec, inverse: true)
        return BijectorResult(output: output, logDet: logDet)
    }

    func channelBackward(_ tape: ChannelTape, gradOutput: Tensor, gradLogDet: Tensor) throws -> BijectorGradients {
        var gradContext: Tensor?
        let gradInput = try Tensor.channelAffineCouplingBackward(
            tape.input, conditionerOutput: tape.conditionerOutput, spec: tape.spec, gradOutput: gradOutput, gradLogDet: gradLogDet
        ) { gradH in
            let grads = try conditioner.backward(tape.conditionerTape, gradOutput: gradH)
            gradContext = grads.context
            return grads.input
        }
        return BijectorGradients(input: gradInput, context: gradContext)
    }
}
