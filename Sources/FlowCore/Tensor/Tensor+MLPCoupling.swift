/// What the forward of `Tensor.mlpAffineCoupling` keeps for its backward.
public struct MLPCouplingTape: Sendable {
    public var spec: MLPCouplingSpec
    /// The coupling's input `x` `[B, D]`.
    public var input: Tensor
    /// Each layer's input: the MLP's input (kept columns, then context), then each hidden
    /// layer's ReLU output (positive exactly where its pre-activation is).
    public var layerInputs: [Tensor]
    /// The MLP's output `[B, 2·transformed]`: shifts and raw scales.
    public var conditionerOutput: Tensor
}

/// Gradients of `Tensor.mlpAffineCouplingBackward`: the input's, the context's (when the
/// coupling has one) and each MLP layer's weight and bias gradients.
public struct MLPCouplingGradients: Sendable {
    public var input: Tensor
    public var context: Tensor?
    public var weights: [Tensor]
    public var biases: [Tensor]
}

extension Tensor {
    /// An affine coupling (`affineCoupling`) on vectors `x` `[B, D]` whose shift and raw scale come
    /// from an MLP (`mlp`) applied to the kept columns (then `context`): the layer says what it
    /// computes, and a device that adopts `MLPCouplingCapable` runs it as one op. Kept columns
    /// pass through; with `inverse` the coupling is inverted (the kept columns, and so the
    /// conditioner, are the same both ways) and the log-det negated.
    public static func mlpAffineCoupling(
        _ x: Tensor, context: Tensor?, layers: [DenseLayer], columns: CouplingColumns, scale: CouplingScale,
        order: CouplingOrder, shiftFirst: Bool, inverse: Bool = false
    ) throws -> (output: Tensor, logDet: Tensor, tape: MLPCouplingTape) {
        try mlpAffineCoupling(
            x, context: context, layers: layers, columns: columns, scale: scale, order: order, shiftFirst: shiftFirst,
            inverse: inverse, usingCapability: true)
    }

    /// `mlpAffineCoupling` through the device's `MLPCouplingCapable` when it has one and
    /// `usingCapability` is true, else through the fallback that defines the op (the tests run
    /// both on every device).
    package static func mlpAffineCoupling(
        _ x: Tensor, context: Tensor?, layers: [DenseLayer], columns: CouplingColumns, scale: CouplingScale,
        order: CouplingOrder, shiftFirst: Bool, inverse: Bool, usingCapability: Bool
    ) throws -> (output: Tensor, logDet: Tensor, tape: MLPCouplingTape) {
        let spec = try mlpCouplingSpec(
            x, context: context, layers: layers, columns: columns, scale: scale, order: order, shiftFirst: shiftFirst)
        if usingCapability, let device = x.device as? any MLPCouplingCapable {
            let batch = spec.rows
            let layerInputs = try ([spec.conditionerInputs] + spec.widths.dropLast()).map { try Tensor.empty([batch, $0], on: x.device) }
            let conditionerOutput = try Tensor.empty([batch, 2 * columns.transformed], on: x.device)
            let (output, logDet) = (try Tensor.empty(x.shape, on: x.device), try Tensor.empty([batch], on: x.device))
            try device.mlpAffineCoupling(
                spec, inverse: inverse, x: x.buffer, context: context?.buffer, weights: layers.map(\.weight.buffer),
                biases: layers.map(\.bias.buffer), layerInputs: layerInputs.map(\.buffer),
                conditionerOutput: conditionerOutput.buffer, y: output.buffer, logDet: logDet.buffer)
            let tape = MLPCouplingTape(spec: spec, input: x, layerInputs: layerInputs, conditionerOutput: conditionerOutput)
            return (output, logDet, tape)
        }
        // What the op means: gather the kept and transformed columns, run the MLP on the kept
        // ones (and the context), cut its output into shift and raw scale, couple, put back.
        let parts = try x.gather(columns.order).split([columns.kept, columns.transformed])
        let conditionerInput = try context.map { try Tensor.concat([parts[0], $0]) } ?? parts[0]
        let outputs = try mlp(conditionerInput, layers: layers)
        let conditionerOutput = outputs[outputs.count - 1]
        let (shift, rawScale) = try shiftAndRawScale(conditionerOutput, spec)
        let (transformed, logDet) = try parts[1].affineCoupling(
            shift: shift, rawScale: rawScale, scale: scale, order: order, inverse: inverse)
        let output = try Tensor.concat([parts[0], transformed]).gather(columns.inverseOrder)
        let tape = MLPCouplingTape(
            spec: spec, input: x, layerInputs: [conditionerInput] + outputs.dropLast(), conditionerOutput: conditionerOutput)
        return (output, logDet, tape)
    }

    /// The backward of the forward `mlpAffineCoupling` recorded in `tape`, with `weights` the
    /// layers' weights it ran with, from `∂L/∂y` and `∂L/∂logDet` `[B]`.
    public static func mlpAffineCouplingBackward(
        _ tape: MLPCouplingTape, weights: [Tensor], gradOutput: Tensor, gradLogDet: Tensor
    ) throws -> MLPCouplingGradients {
        try mlpAffineCouplingBackward(tape, weights: weights, gradOutput: gradOutput, gradLogDet: gradLogDet, usingCapability: true)
    }

    package static func mlpAffineCouplingBackward(
        _ tape: MLPCouplingTape, weights: [Tensor], gradOutput: Tensor, gradLogDet: Tensor, usingCapability: Bool
    ) throws -> MLPCouplingGradients {
        let op = "mlpAffineCouplingBackward"
        let spec = tape.spec
        let (x, batch, layerCount) = (tape.input, tape.spec.rows, tape.spec.widths.count)
        try Validate.sameDevice(op, all: [x, gradOutput, gradLogDet, tape.conditionerOutput] + tape.layerInputs + weights)
        try Validate.shape(op, "gradOutput", gradOutput, x.shape)
        try Validate.shape(op, "gradLogDet", gradLogDet, [batch])
        guard weights.count == layerCount, tape.layerInputs.count == layerCount else {
            throw FlowError.invalidArgument(op: op, detail: "\(weights.count) weights and \(tape.layerInputs.count) layer inputs for \(layerCount) layers")
        }
        for (index, weight) in weights.enumerated() {
            try Validate.shape(op, "weight of layer \(index)", weight, [spec.widths[index], spec.inputs(ofLayer: index)])
            try Validate.shape(op, "input of layer \(index)", tape.layerInputs[index], [batch, spec.inputs(ofLayer: index)])
        }
        try Validate.shape(op, "conditioner output", tape.conditionerOutput, [batch, 2 * spec.columns.transformed])
        let device = x.device
        if usingCapability, let capable = device as? any MLPCouplingCapable {
            let grads = MLPCouplingGradients(
                input: try Tensor.empty(x.shape, on: device),
                context: spec.contextFeatures > 0 ? try Tensor.empty([batch, spec.contextFeatures], on: device) : nil,
                weights: try weights.map { try Tensor.empty($0.shape, on: device) },
                biases: try spec.widths.map { try Tensor.empty([$0], on: device) })
            try capable.mlpAffineCouplingBackward(
                spec, x: x.buffer, weights: weights.map(\.buffer), layerInputs: tape.layerInputs.map(\.buffer),
                conditionerOutput: tape.conditionerOutput.buffer, gradY: gradOutput.buffer, gradLogDet: gradLogDet.buffer,
                gradX: grads.input.buffer, gradContext: grads.context?.buffer, gradWeights: grads.weights.map(\.buffer),
                gradBiases: grads.biases.map(\.buffer))
            return grads
        }
        let columns = spec.columns
        let transformed = try x.gather(columns.order).split([columns.kept, columns.transformed])[1]
        let gradParts = try gradOutput.gather(columns.order).split([columns.kept, columns.transformed])
        let (shift, rawScale) = try shiftAndRawScale(tape.conditionerOutput, spec)
        let coupling = try affineCouplingBackward(
            input: transformed, shift: shift, rawScale: rawScale, scale: spec.scale, order: spec.order,
            gradOutput: gradParts[1], gradLogDet: gradLogDet)
        let gradConditionerOutput = try concat(spec.shiftFirst ? [coupling.shift, coupling.rawScale] : [coupling.rawScale, coupling.shift])
        let (gradConditionerInput, products) = try mlpBackward(gradConditionerOutput, weights: weights, inputs: tape.layerInputs)
        let weightGrads = try zip(products, tape.layerInputs).map { try $0.matmul($1, transposeSelf: true) }
        let biasGrads = try products.map { try $0.featureSum() }
        var gradKept = gradConditionerInput
        var gradContext: Tensor?
        if spec.contextFeatures > 0 {
            let pieces = try gradConditionerInput.split([columns.kept, spec.contextFeatures])
            (gradKept, gradContext) = (pieces[0], pieces[1])
        }
        let gradInput = try concat([try gradParts[0].applying(.add, gradKept), coupling.input]).gather(columns.inverseOrder)
        return MLPCouplingGradients(input: gradInput, context: gradContext, weights: weightGrads, biases: biasGrads)
    }

    private static func shiftAndRawScale(_ conditionerOutput: Tensor, _ spec: MLPCouplingSpec) throws -> (shift: Tensor, rawScale: Tensor) {
        let pieces = try conditionerOutput.split([spec.columns.transformed, spec.columns.transformed])
        return spec.shiftFirst ? (pieces[0], pieces[1]) : (pieces[1], pieces[0])
    }

    private static func mlpCouplingSpec(
        _ x: Tensor, context: Tensor?, layers: [DenseLayer], columns: CouplingColumns, scale: CouplingScale,
        order: CouplingOrder, shiftFirst: Bool
    ) throws -> MLPCouplingSpec {
        let op = "mlpAffineCoupling"
        try Validate.rank(op, "input", x, 2...2)
        guard x.shape[1] == columns.features else {
            throw FlowError.shapeMismatch(op: op, detail: "input \(x.shape) for a coupling of \(columns.features) features")
        }
        guard columns.order.device === x.device else {
            throw FlowError.deviceMismatch(op: op, detail: "input on \(x.device.info.selector), columns on \(columns.order.device.info.selector)")
        }
        let batch = x.shape[0]
        let contextFeatures = context?.shape.last ?? 0
        if let context {
            try Validate.sameDevice(op, x, context)
            guard context.shape == [batch, contextFeatures], contextFeatures > 0 else {
                throw FlowError.shapeMismatch(op: op, detail: "context \(context.shape), expected [\(batch), features]")
            }
        }
        guard !layers.isEmpty else { throw FlowError.invalidArgument(op: op, detail: "no layers") }
        var features = columns.kept + contextFeatures
        for (index, layer) in layers.enumerated() {
            try Validate.sameDevice(op, x, layer.weight, layer.bias)
            guard layer.weight.rank == 2, layer.weight.shape[1] == features, layer.bias.shape == [layer.weight.shape[0]] else {
                throw FlowError.shapeMismatch(
                    op: op, detail: "layer \(index): weight \(layer.weight.shape), bias \(layer.bias.shape) after \(features) features")
            }
            features = layer.weight.shape[0]
        }
        guard features == 2 * columns.transformed else {
            throw FlowError.shapeMismatch(
                op: op, detail: "the conditioner outputs \(features) values per row, the coupling needs 2 × \(columns.transformed)")
        }
        return MLPCouplingSpec(
            rows: batch, columns: columns, contextFeatures: contextFeatures, widths: layers.map { $0.weight.shape[0] },
            scale: scale, order: order, shiftFirst: shiftFirst)
    }
}
