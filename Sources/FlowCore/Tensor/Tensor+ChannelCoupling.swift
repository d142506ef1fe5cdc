extension Tensor {
    /// The kept channels of `x` (the conditioner's input of a channel coupling): one slab copy.
    public static func channelCouplingKept(_ x: Tensor, _ spec: ChannelCouplingSpec) throws -> Tensor {
        try checkChannelCoupling("channelCouplingKept", x, nil, spec)
        return try channelSlab(x, spec, start: spec.keptStart, count: spec.kept)
    }

    /// Channels `[start, start + count)` of `x`, which `spec` describes.
    private static func channelSlab(_ x: Tensor, _ spec: ChannelCouplingSpec, start: Int, count: Int) throws -> Tensor {
        let slab = try Tensor.empty(x.shape.replacing(at: 1, with: count), on: x.device)
        try x.device.copySlab(
            outer: spec.batch, inner: spec.positions, length: count, source: x.buffer, sourceMid: spec.channels,
            sourceStart: start, destination: slab.buffer, destinationMid: count, destinationStart: 0)
        return slab
    }

    /// An affine coupling on the channels of `x` (`ChannelCouplingSpec`) whose shift and raw scale
    /// are the conditioner's output `h` `[B, 2·transformed, …]` (computed from
    /// `channelCouplingKept(x)`): kept channels pass through, the others become
    /// `affineCoupling`'s output, and `logDet` `[B]` is its log-det. With `inverse`, `x` holds the
    /// coupling's output and the transformed channels are uncoupled. A device that adopts
    /// `ChannelCouplingCapable` does it in one op.
    public static func channelAffineCoupling(
        _ x: Tensor, conditionerOutput h: Tensor, spec: ChannelCouplingSpec, inverse: Bool = false
    ) throws -> (output: Tensor, logDet: Tensor) {
        try channelAffineCoupling(x, conditionerOutput: h, spec: spec, inverse: inverse, usingCapability: true)
    }

    /// `channelAffineCoupling` through the device's `ChannelCouplingCapable` when it has one and
    /// `usingCapability` is true, else through the fallback that defines the op.
    package static func channelAffineCoupling(
        _ x: Tensor, conditionerOutput h: Tensor, spec: ChannelCouplingSpec, inverse: Bool, usingCapability: Bool
    ) throws -> (output: Tensor, logDet: Tensor) {
        try checkChannelCoupling("channelAffineCoupling", x, h, spec)
        if usingCapability, let device = x.device as? any ChannelCouplingCapable {
            let (output, logDet) = (try Tensor.empty(x.shape, on: x.device), try Tensor.empty([spec.batch], on: x.device))
            try device.channelCoupling(spec, inverse: inverse, x: x.buffer, conditionerOutput: h.buffer, y: output.buffer, logDet: logDet.buffer)
            return (output, logDet)
        }
        // What the op means: split the channels, cut h into shift and raw scale, couple, put back.
        let (kept, transformed) = try channelSplit(x, spec)
        let (shift, rawScale) = try channelPieces(h, spec)
        let (output, logDet) = try transformed.affineCoupling(shift: shift, rawScale: rawScale, scale: spec.scale, order: spec.order, inverse: inverse)
        return (try Tensor.concat(spec.keepFirst ? [kept, output] : [output, kept]), logDet)
    }

    /// Backward of the forward `channelAffineCoupling`: `∂L/∂x` from `∂L/∂y` and `∂L/∂logDet`,
    /// where `conditionerBackward` takes `∂L/∂h` back to the kept channels (the conditioner's
    /// input), whose gradient is added to what they receive directly.
    public static func channelAffineCouplingBackward(
        _ x: Tensor, conditionerOutput h: Tensor, spec: ChannelCouplingSpec, gradOutput: Tensor, gradLogDet: Tensor,
        conditionerBackward: (Tensor) throws -> Tensor
    ) throws -> Tensor {
        try channelAffineCouplingBackward(
            x, conditionerOutput: h, spec: spec, gradOutput: gradOutput, gradLogDet: gradLogDet,
            conditionerBackward: conditionerBackward, usingCapability: true)
    }

    package static func channelAffineCouplingBackward(
        _ x: Tensor, conditionerOutput h: Tensor, spec: ChannelCouplingSpec, gradOutput: Tensor, gradLogDet: Tensor,
        conditionerBackward: (Tensor) throws -> Tensor, usingCapability: Bool
    ) throws -> Tensor {
        let op = "channelAffineCouplingBackward"
        try checkChannelCoupling(op, x, h, spec)
        try Validate.sameDevice(op, x, gradOutput, gradLogDet)
        try Validate.shape(op, "gradOutput", gradOutput, x.shape)
        try Validate.shape(op, "gradLogDet", gradLogDet, [spec.batch])
        let keptShape = x.shape.replacing(at: 1, with: spec.kept)
        if usingCapability, let device = x.device as? any ChannelCouplingCapable {
            let (gradX, gradH) = (try Tensor.empty(x.shape, on: x.device), try Tensor.empty(h.shape, on: x.device))
            try device.channelCouplingBackward(
                spec, x: x.buffer, conditionerOutput: h.buffer, gradY: gradOutput.buffer, gradLogDet: gradLogDet.buffer,
                gradX: gradX.buffer, gradConditionerOutput: gradH.buffer)
            let gradKept = try conditionerBackward(gradH)
            try Validate.sameDevice(op, x, gradKept)
            try Validate.shape(op, "the conditioner's input gradient", gradKept, keptShape)
            try device.channelCouplingAddKept(spec, gradKept: gradKept.buffer, gradX: gradX.buffer)
            return gradX
        }
        // What the op means: the coupling's backward on the transformed channels, its shift and
        // raw-scale gradients put back into h's layout, the conditioner's share added to the kept
        // channels' own gradient.
        let transformed = try channelSlab(x, spec, start: spec.transformedStart, count: spec.transformed)
        let (gradKeptDirect, gradTransformed) = try channelSplit(gradOutput, spec)
        let (shift, rawScale) = try channelPieces(h, spec)
        let coupling = try Tensor.affineCouplingBackward(
            input: transformed, shift: shift, rawScale: rawScale, scale: spec.scale, order: spec.order,
            gradOutput: gradTransformed, gradLogDet: gradLogDet)
        let blocks = try Tensor.concat(spec.shiftFirst ? [coupling.shift, coupling.rawScale] : [coupling.rawScale, coupling.shift])
        let gradKept = try conditionerBackward(spec.interleaved ? try blocks.gather(interleaving(spec, on: x.device).undo) : blocks)
        try Validate.sameDevice(op, x, gradKept)
        try Validate.shape(op, "the conditioner's input gradient", gradKept, keptShape)
        let keptTotal = try gradKeptDirect.applying(.add, gradKept)
        return try Tensor.concat(spec.keepFirst ? [keptTotal, coupling.input] : [coupling.input, keptTotal])
    }

    private static func checkChannelCoupling(_ op: String, _ x: Tensor, _ h: Tensor?, _ spec: ChannelCouplingSpec) throws {
        try Validate.rank(op, "input", x, 2...4)
        guard spec.channels >= 2 else {
            throw FlowError.invalidArgument(op: op, detail: "a coupling needs at least 2 channels, got \(spec.channels)")
        }
        let expected = [spec.batch, spec.channels]
        guard Array(x.shape.prefix(2)) == expected, x.shape.dropFirst(2).reduce(1, *) == spec.positions else {
            throw FlowError.shapeMismatch(
                op: op, detail: "input \(x.shape), expected [\(spec.batch), \(spec.channels), …] with \(spec.positions) positions per channel")
        }
        if let h {
            try Validate.sameDevice(op, x, h)
            try Validate.shape(op, "conditioner output", h, x.shape.replacing(at: 1, with: 2 * spec.transformed))
        }
    }

    /// `(kept, transformed)` channels of `x`.
    private static func channelSplit(_ x: Tensor, _ spec: ChannelCouplingSpec) throws -> (kept: Tensor, transformed: Tensor) {
        let parts = try x.split(spec.keepFirst ? [spec.kept, spec.transformed] : [spec.transformed, spec.kept])
        return spec.keepFirst ? (parts[0], parts[1]) : (parts[1], parts[0])
    }

    /// `(shift, rawScale)` from `h`: de-interleaved when it is interleaved, then cut in two.
    private static func channelPieces(_ h: Tensor, _ spec: ChannelCouplingSpec) throws -> (shift: Tensor, rawScale: Tensor) {
        let blocks = spec.interleaved ? try h.gather(interleaving(spec, on: h.device).apply) : h
        let pieces = try blocks.split([spec.transformed, spec.transformed])
        return spec.shiftFirst ? (pieces[0], pieces[1]) : (pieces[1], pieces[0])
    }

    /// Gathering with `apply` turns h's interleaved layout into blocks; `undo` goes back.
    private static func interleaving(_ spec: ChannelCouplingSpec, on device: any Device) throws -> (apply: IndexTensor, undo: IndexTensor) {
        let count = 2 * spec.transformed
        let order = (0..<count).map { j in (j % spec.transformed) * 2 + j / spec.transformed }
        var inverse = [Int32](repeating: 0, count: count)
        for (position, source) in order.enumerated() { inverse[source] = Int32(position) }
        return (try IndexTensor(order.map { Int32($0) }, on: device), try IndexTensor(inverse, on: device))
    }
}
