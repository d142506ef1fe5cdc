import FlowRuntime

/// A vector coupling whose conditioner is an MLP (RealNVP on vectors) runs as one intent-level
/// op, `Tensor.mlpAffineCoupling`, forward and backward: the CPU takes each thread's rows through
/// the whole coupling at once, the kernel devices run the MLP's products and four coupling kernels,
/// and a device without `MLPCouplingCapable` runs the op's fallback, which is the general path of
/// `AffineCoupling` spelled out op by op.
extension AffineCoupling {
    struct FusedParts {
        var mask: VectorMask
        var mlp: MLP
    }

    struct FusedTape: BijectorTape {
        var op: MLPCouplingTape
        /// The weights the forward ran with (the backward must use the same).
        var weights: [Tensor]
    }

    var fusedParts: FusedParts? {
        guard let mask = mask as? VectorMask, let mlp = conditioner as? MLP else { return nil }
        return FusedParts(mask: mask, mlp: mlp)
    }

    func fusedForward(_ x: Tensor, context: Tensor?, _ parts: FusedParts) throws -> (result: BijectorResult, tape: any BijectorTape) {
        let (layers, weights) = try denseLayers(parts.mlp)
        let (output, logDet, tape) = try Tensor.mlpAffineCoupling(
            try checkedInput(x, parts), context: try conditionerContext(context, x, parts.mlp), layers: layers,
            columns: parts.mask.columns, scale: scale, order: order, shiftFirst: shiftFirst)
        return (BijectorResult(output: output, logDet: logDet), FusedTape(op: tape, weights: weights))
    }

    func fusedInverse(_ z: Tensor, context: Tensor?, _ parts: FusedParts) throws -> BijectorResult {
        let (output, logDet, _) = try Tensor.mlpAffineCoupling(
            try checkedInput(z, parts), context: try conditionerContext(context, z, parts.mlp), layers: try denseLayers(parts.mlp).layers,
            columns: parts.mask.columns, scale: scale, order: order, shiftFirst: shiftFirst, inverse: true)
        return BijectorResult(output: output, logDet: logDet)
    }

    func fusedBackward(_ tape: FusedTape, gradOutput: Tensor, gradLogDet: Tensor) throws -> BijectorGradients {
        let grads = try Tensor.mlpAffineCouplingBackward(tape.op, weights: tape.weights, gradOutput: gradOutput, gradLogDet: gradLogDet)
        guard let mlp = fusedParts?.mlp else {
            throw FlowError.invalidArgument(op: "\(name).backward", detail: "a fused tape for a coupling without an MLP conditioner")
        }
        for (index, layer) in mlp.layers.enumerated() {
            try layer.accumulateParameterGradients(gradWeight: grads.weights[index], gradBias: grads.biases[index])
        }
        return BijectorGradients(input: grads.input, context: grads.context)
    }

    private func denseLayers(_ mlp: MLP) throws -> (layers: [Tensor.DenseLayer], weights: [Tensor]) {
        let weights = try mlp.layers.map { try $0.effectiveWeight }
        return (zip(weights, mlp.layers).map { Tensor.DenseLayer(weight: $0, bias: $1.bias.value) }, weights)
    }

    private func checkedInput(_ x: Tensor, _ parts: FusedParts) throws -> Tensor {
        guard x.rank == 2, x.shape[1] == parts.mask.features else {
            throw FlowError.shapeMismatch(op: "\(name)", detail: "input \(x.shape), expected [B, \(parts.mask.features)]")
        }
        return x
    }

    /// The context the MLP reads: none when it takes none (as `MLP.forward` ignores it), else one
    /// row per sample of the width it was built for.
    private func conditionerContext(_ context: Tensor?, _ x: Tensor, _ mlp: MLP) throws -> Tensor? {
        guard mlp.contextFeatures > 0 else { return nil }
        guard let context, context.shape == [x.shape[0], mlp.contextFeatures] else {
            throw FlowError.shapeMismatch(
                op: "MLP", detail: "context \(context?.shape.description ?? "nil"), expected [\(x.shape[0]), \(mlp.contextFeatures)]")
        }
        return context
    }
}
