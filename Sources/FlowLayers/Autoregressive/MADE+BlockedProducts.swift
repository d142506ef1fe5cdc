import FlowRuntime

/// MADE's weights in degree order and the three products of a masked layer on them as prefix
/// products (`PrefixProduct`): `y = x · Wᵀ + b`, `∂W = ∂yᵀ · x` and `∂x = ∂y · W`, each free to
/// skip the blocks the mask zeroes, tiled by the device. Activations and gradients stay in degree
/// order between layers.
extension MADE {
    /// A layer's masked weight `[out, in]` and bias `[out]`, rows and columns in degree order.
    struct SortedLayer {
        let weight: Tensor
        let bias: Tensor
    }

    /// The degree-ordered masked weights, rebuilt only when a parameter changed since the last
    /// call (`Parameter.version`): once per optimizer step in training, once in total for
    /// evaluation and sampling.
    func sortedLayers() throws -> [SortedLayer] {
        let versions = parameters.map(\.version)
        if let cached = sortedCache, cached.versions == versions { return cached.layers }
        let built = try layers.indices.map { index in
            let layer = layers[index]
            let weight = try layer.weight.value.permutedMatrix(
                rows: layout.rowOrder[index], columns: layout.columnOrder[index], mask: layout.sortedMasks[index])
            let bias = try layer.bias.value.reshaped([1, layer.outputs]).gather(layout.rowOrder[index]).reshaped([layer.outputs])
            return SortedLayer(weight: weight, bias: bias)
        }
        sortedCache = SortedCache(versions: versions, layers: built)
        return built
    }

    /// `act(x · Wᵀ + b)` for `x: [B, in]`, skipping the mask's zero blocks as the device sees fit.
    func blockedProduct(layer index: Int, _ x: Tensor, _ sorted: SortedLayer, activation: GemmActivation) throws -> Tensor {
        let product = layout.plan.layers[index].product
        let y = try Tensor.empty([x.shape[0], product.outputs], on: x.device)
        try Tensor.prefixProduct(product, .forward(activation), x, sorted.weight, into: y, bias: sorted.bias)
        return y
    }

    /// Every layer with its ReLU fused, as one chain separable by rows (`Tensor.gemmRowChain`):
    /// each thread takes its rows of the batch through the whole network, every layer cut into
    /// the device's tiles (`Tensor.ChainStage.prefix`). Returns each layer's output.
    func blockedReluChain(_ x: Tensor, _ sorted: [SortedLayer]) throws -> [Tensor] {
        let batch = x.shape[0]
        let outputs = try layout.plan.layers.map { try Tensor.empty([batch, $0.outputs], on: x.device) }
        let stages = try layers.indices.map { index in
            let activation: GemmActivation = index < layers.count - 1 ? .relu : .none
            return try Tensor.ChainStage.prefix(
                layout.plan.layers[index].product, .forward(activation), a: index == 0 ? x : outputs[index - 1],
                b: sorted[index].weight, c: outputs[index], bias: sorted[index].bias)
        }
        try Tensor.gemmRowChain(stages)
        return outputs
    }

    /// Accumulates `∂W = (∂yᵀ · x) ⊙ M` and `∂b = Σ_rows ∂y` into the layer's parameters, in their
    /// original order. Only the rows' prefixes are defined (`PrefixProduct.Kind.weightGradient`);
    /// the rest of the degree-ordered gradient may be left unwritten, which is safe because the
    /// mask drops exactly those entries when `permutedMatrix` (a select) moves the gradient back.
    func accumulateBlockedParameterGradients(layer index: Int, gradOutput: Tensor, input x: Tensor) throws {
        let product = layout.plan.layers[index].product
        let outputs = product.outputs
        let sortedGrad = try Tensor.empty([outputs, product.inputs], on: x.device)
        try Tensor.prefixProduct(product, .weightGradient, gradOutput, x, into: sortedGrad)
        let layer = layers[index]
        try layer.weight.accumulate(
            taking: sortedGrad.permutedMatrix(rows: layout.rowInverse[index], columns: layout.columnInverse[index], mask: layer.mask))
        let gradBias = try gradOutput.featureSum().reshaped([1, outputs]).gather(layout.rowInverse[index])
        try layer.bias.accumulate(taking: gradBias.reshaped([outputs]))
    }

    /// `∂x = ∂y · W` for `∂y: [B, out]`, each input column over only the rows that read it.
    func blockedInputGradient(layer index: Int, gradOutput: Tensor, _ sorted: SortedLayer) throws -> Tensor {
        let product = layout.plan.layers[index].product
        let gradInput = try Tensor.empty([gradOutput.shape[0], product.inputs], on: gradOutput.device)
        try Tensor.prefixProduct(product, .inputGradient, gradOutput, sorted.weight, into: gradInput)
        return gradInput
    }
}
