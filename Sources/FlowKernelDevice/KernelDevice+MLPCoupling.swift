import FlowCore

/// The vector coupling with an MLP conditioner (`MLPCouplingCapable`) on a kernel device: the
/// layers are `gemm` launches (bias and ReLU fused), and four kernels of `coupling.cl` (two each way) take the
/// place of the fallback's gathers, splits, concatenations and coupling, about half the launches
/// each way: on a GPU a small flow's step is bound by launches, not arithmetic.
extension KernelDevice: MLPCouplingCapable {
    public func mlpAffineCoupling(
        _ spec: MLPCouplingSpec, inverse: Bool, x: any DeviceBuffer, context: (any DeviceBuffer)?,
        weights: [any DeviceBuffer], biases: [any DeviceBuffer], layerInputs: [any DeviceBuffer],
        conditionerOutput: any DeviceBuffer, y: any DeviceBuffer, logDet: any DeviceBuffer
    ) throws {
        let (rows, features, kept) = (spec.rows, spec.columns.features, spec.columns.kept)
        try launchElementwise(
            "coupling", "mlp_coupling_gather", count: rows * spec.conditionerInputs,
            [
                .int(rows), .int(features), .int(kept), .int(spec.contextFeatures), .buffer(spec.columns.order.buffer), .buffer(x),
                .optionalBuffer(context), .buffer(layerInputs[0]),
            ])
        for layer in spec.widths.indices {
            let last = layer == spec.widths.count - 1
            let product = GemmSpec(
                m: rows, n: spec.widths[layer], k: spec.inputs(ofLayer: layer), transposeB: true, activation: last ? .none : .relu)
            try gemm(product, a: layerInputs[layer], b: weights[layer], c: last ? conditionerOutput : layerInputs[layer + 1], bias: biases[layer])
        }
        try launchReduction(
            "coupling", "mlp_coupling_fwd", groups: rows, workPerGroup: spec.columns.transformed,
            [
                .int(rows), .int(features), .int(kept), .int(Int(spec.scale.rawValue)), .int(Int(spec.order.rawValue)),
                .int(inverse ? 1 : 0), .int(spec.shiftFirst ? 1 : 0), .buffer(spec.columns.order.buffer), .buffer(x),
                .buffer(conditionerOutput), .buffer(y), .buffer(logDet),
            ])
    }

    public func mlpAffineCouplingBackward(
        _ spec: MLPCouplingSpec, x: any DeviceBuffer, weights: [any DeviceBuffer], layerInputs: [any DeviceBuffer],
        conditionerOutput: any DeviceBuffer, gradY: any DeviceBuffer, gradLogDet: any DeviceBuffer,
        gradX: any DeviceBuffer, gradContext: (any DeviceBuffer)?, gradWeights: [any DeviceBuffer],
        gradBiases: [any DeviceBuffer]
    ) throws {
        let (rows, features, kept) = (spec.rows, spec.columns.features, spec.columns.kept)
        // The gradient of each layer's product, and of the MLP's input.
        let products = try spec.widths.map { try makeBuffer(bytes: max(1, rows * $0) * 4) }
        let gradInput = try makeBuffer(bytes: max(1, rows * spec.conditionerInputs) * 4)
        try launchElementwise(
            "coupling", "mlp_coupling_bwd", count: rows * features,
            [
                .int(rows), .int(features), .int(kept), .int(Int(spec.scale.rawValue)), .int(Int(spec.order.rawValue)),
                .int(spec.shiftFirst ? 1 : 0), .buffer(spec.columns.order.buffer), .buffer(x), .buffer(conditionerOutput),
                .buffer(gradY), .buffer(gradLogDet), .buffer(gradX), .buffer(products[spec.widths.count - 1]),
            ])
        for layer in spec.widths.indices.reversed() {
            let (outputs, inputs) = (spec.widths[layer], spec.inputs(ofLayer: layer))
            let flowing = layer > 0 ? products[layer - 1] : gradInput
            try gemm(GemmSpec(m: rows, n: inputs, k: outputs), a: products[layer], b: weights[layer], c: flowing, bias: nil)
            if layer > 0 {
                // ReLU's backward in place: the hidden output is positive exactly where its pre-activation is.
                try unaryBackward(
                    .relu, count: rows * inputs, x: layerInputs[layer], y: layerInputs[layer], gradY: flowing, gradX: flowing)
            }
            try gemm(
                GemmSpec(m: outputs, n: inputs, k: rows, transposeA: true), a: products[layer], b: layerInputs[layer],
                c: gradWeights[layer], bias: nil)
            try reduceSum(AxisView(outer: rows, mid: outputs, inner: 1), squared: false, x: products[layer], out: gradBiases[layer])
        }
        try launchElementwise(
            "coupling", "mlp_coupling_scatter", count: rows * spec.conditionerInputs,
            [
                .int(rows), .int(features), .int(kept), .int(spec.contextFeatures), .buffer(spec.columns.order.buffer),
                .buffer(gradInput), .buffer(gradX), .optionalBuffer(gradContext),
            ])
    }
}
