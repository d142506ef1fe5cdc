import FlowRuntime

/// Affine coupling (RealNVP, Dinh et al. 2017, arXiv:1605.08803; Glow, Kingma & Dhariwal 2018,
/// arXiv:1807.03039). With `(a, b)` the mask's kept and transformed parts and `(h, t)` from the
/// conditioner applied to `a` (and the context):
///
///     y_a = a,   y_b = b ⊙ s(h) + t   (RealNVP order)   or   y_b = (b − t) ⊙ s(h)   (Glow order)
///     log|det J| = Σ log s(h)
///
/// with a bounded positive scale `s` (`CouplingScale`). The Jacobian is triangular because `h`
/// and `t` do not depend on `b`. The conditioner's last layer starts at zero, so the coupling
/// starts as the identity up to the constant scale `s(0)`.
public final class AffineCoupling: Bijector {
    public let name: String
    public let mask: any CouplingMask
    public let conditioner: any Conditioner
    public let scale: CouplingScale
    public let order: CouplingOrder
    /// Whether the conditioner's output lists the shift before the raw scale (Glow: shift on
    /// even channels) or after it (RealNVP: `h = (h_scale, h_shift)`).
    public let shiftFirst: Bool

    public init(
        name: String = "AffineCoupling", mask: any CouplingMask, conditioner: any Conditioner,
        scale: CouplingScale = .expTanh, order: CouplingOrder = .scaleThenShift, shiftFirst: Bool = false
    ) {
        self.name = name
        self.mask = mask
        self.conditioner = conditioner
        self.scale = scale
        self.order = order
        self.shiftFirst = shiftFirst
    }

    public var parameters: [Parameter] { conditioner.parameters }

    struct Tape: BijectorTape {
        var transformed: Tensor
        var shift: Tensor
        var rawScale: Tensor
        var conditionerTape: any BijectorTape
    }

    private func parameters(_ kept: Tensor, context: Tensor?) throws -> (shift: Tensor, rawScale: Tensor, tape: any BijectorTape) {
        let (output, tape) = try conditioner.forward(mask.conditionerInput(kept), context: context)
        let pieces = try mask.pieces(of: output, count: 2)
        return shiftFirst ? (pieces[0], pieces[1], tape) : (pieces[1], pieces[0], tape)
    }

    public func forward(_ x: Tensor, context: Tensor?) throws -> (result: BijectorResult, tape: any BijectorTape) {
        if let fused = fusedParts { return try fusedForward(x, context: context, fused) }
        if let spec = channelCouplingSpec(x) { return try channelForward(x, context: context, spec) }
        let (kept, transformed) = try mask.split(x)
        let (shift, rawScale, conditionerTape) = try parameters(kept, context: context)
        let (output, logDet) = try transformed.affineCoupling(shift: shift, rawScale: rawScale, scale: scale, order: order)
        let tape = Tape(transformed: transformed, shift: shift, rawScale: rawScale, conditionerTape: conditionerTape)
        return (BijectorResult(output: try mask.merge(kept: kept, transformed: output), logDet: logDet), tape)
    }

    public func inverse(_ z: Tensor, context: Tensor?) throws -> BijectorResult {
        if let fused = fusedParts { return try fusedInverse(z, context: context, fused) }
        if let spec = channelCouplingSpec(z) { return try channelInverse(z, context: context, spec) }
        let (kept, transformed) = try mask.split(z)
        let (shift, rawScale, _) = try parameters(kept, context: context)
        let (output, logDet) = try transformed.affineCoupling(shift: shift, rawScale: rawScale, scale: scale, order: order, inverse: true)
        return BijectorResult(output: try mask.merge(kept: kept, transformed: output), logDet: logDet)
    }

    public func backward(_ tape: any BijectorTape, gradOutput: Tensor, gradLogDet: Tensor) throws -> BijectorGradients {
        if let fused = tape as? FusedTape { return try fusedBackward(fused, gradOutput: gradOutput, gradLogDet: gradLogDet) }
        if let channel = tape as? ChannelTape { return try channelBackward(channel, gradOutput: gradOutput, gradLogDet: gradLogDet) }
        let tape = try self.tape(tape, as: Tape.self)
        let (gradKept, gradTransformedOutput) = try mask.split(gradOutput)
        let coupling = try Tensor.affineCouplingBackward(
            input: tape.transformed, shift: tape.shift, rawScale: tape.rawScale, scale: scale, order: order,
            gradOutput: gradTransformedOutput, gradLogDet: gradLogDet)
        let pieceGrads = shiftFirst ? [coupling.shift, coupling.rawScale] : [coupling.rawScale, coupling.shift]
        let conditionerGrads = try conditioner.backward(tape.conditionerTape, gradOutput: mask.piecesBackward(pieceGrads))
        let keptTotal = try gradKept.adding(mask.conditionerInputBackward(conditionerGrads.input))
        return BijectorGradients(input: try mask.merge(kept: keptTotal, transformed: coupling.input), context: conditionerGrads.context)
    }
}
