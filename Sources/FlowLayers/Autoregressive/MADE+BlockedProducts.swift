import FlowRuntime

/// MADE's weights in degree order and the three products of a masked layer on them, tile by tile
/// (`MADEProductPlan`): `y = x · Wᵀ + b`, `∂W = ∂yᵀ · x` and `∂x = ∂y · W`, each skipping the
/// blocks the mask zeroes. Activations and gradients stay in degree order between layers.
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

    /// `act(x · Wᵀ + b)` for `x: [B, in]`, one product per row tile over the columns it reads.
    func blockedProduct(layer index: Int, _ x: Tensor, _ sorted: SortedLayer, activation: GemmActivation) throws -> Tensor {
        let y = try Tensor.empty([x.shape[0], layout.plan.layers[index].outputs], on: x.device)
        try Tensor.gemmGroup(rowTileSpecs(layer: index, batch: x.shape[0], activation: activation), x, sorted.weight, into: y, bias: sorted.bias)
        return y
    }

    /// Every layer with its ReLU fused, as one chain separable by rows (`Tensor.gemmRowChain`):
    /// each thread takes its rows of the batch through the whole network. Returns each layer's
    /// output.
    func blockedReluChain(_ x: Tensor, _ sorted: [SortedLayer]) throws -> [Tensor] {
        let batch = x.shape[0]
        let outputs = try layout.plan.layers.map { try Tensor.empty([batch, $0.outputs], on: x.device) }
        let stages = layers.indices.map { index in
            let activation: GemmActivation = index < layers.count - 1 ? .relu : .none
            return Tensor.ChainStage(
                specs: rowTileSpecs(layer: index, batch: batch, activation: activation), a: index == 0 ? x : outputs[index - 1],
                b: sorted[index].weight, c: outputs[index], bias: sorted[index].bias)
        }
        try Tensor.gemmRowChain(stages)
        return outputs
    }

    private func rowTileSpecs(layer index: Int, batch: Int, activation: GemmActivation) -> [GemmSpec] {
        let plan = layout.plan.layers[index]
        let (outputs, inputs) = (plan.outputs, plan.inputs)
        return plan.rowTiles.map { tile in
            var spec = GemmSpec(
                m: batch, n: tile.rows.count, k: tile.reading, transposeB: true, lda: inputs, ldb: inputs, ldc: outputs,
                activation: activation)
            spec.offsetB = tile.rows.lowerBound * inputs
            spec.offsetC = tile.rows.lowerBound
            spec.offsetBias = tile.rows.lowerBound
            return spec
        }
    }

    /// Accumulates `∂W = (∂yᵀ · x) ⊙ M` and `∂b = Σ_rows ∂y` into the layer's parameters, in their
    /// original order. Only the row tiles' prefixes are computed; the rest of the degree-ordered
    /// gradient is left unwritten, which is safe because the mask drops exactly those entries
    /// when `permutedMatrix` (a select) moves the gradient back.
    func accumulateBlockedParameterGradients(layer index: Int, gradOutput: Tensor, input x: Tensor) throws {
        let plan = layout.plan.layers[index]
        let (batch, outputs, inputs) = (x.shape[0], plan.outputs, plan.inputs)
        let sortedGrad = try Tensor.empty([outputs, inputs], on: x.device)
        let specs = plan.rowTiles.map { tile in
            var spec = GemmSpec(m: tile.rows.count, n: tile.reading, k: batch, transposeA: true, lda: outputs, ldb: inputs, ldc: inputs)
            spec.offsetA = tile.rows.lowerBound
            spec.offsetC = tile.rows.lowerBound * inputs
            return spec
        }
        try Tensor.gemmGroup(specs, gradOutput, x, into: sortedGrad)
        let layer = layers[index]
        try layer.weight.accumulate(
            taking: sortedGrad.permutedMatrix(rows: layout.rowInverse[index], columns: layout.columnInverse[index], mask: layer.mask))
        let gradBias = try gradOutput.featureSum().reshaped([1, outputs]).gather(layout.rowInverse[index])
        try layer.bias.accumulate(taking: gradBias.reshaped([outputs]))
    }

    /// `∂x = ∂y · W` for `∂y: [B, out]`, one product per column tile over the rows that read it.
    func blockedInputGradient(layer index: Int, gradOutput: Tensor, _ sorted: SortedLayer) throws -> Tensor {
        let plan = layout.plan.layers[index]
        let (batch, outputs, inputs) = (gradOutput.shape[0], plan.outputs, plan.inputs)
        let gradInput = try Tensor.empty([batch, inputs], on: gradOutput.device)
        let specs = plan.columnTiles.map { tile in
            var spec = GemmSpec(m: batch, n: tile.columns.count, k: outputs - tile.firstRow, lda: outputs, ldb: inputs, ldc: inputs)
            spec.offsetA = tile.firstRow
            spec.offsetB = tile.firstRow * inputs + tile.columns.lowerBound
            spec.offsetC = tile.columns.lowerBound
            return spec
        }
        try Tensor.gemmGroup(specs, gradOutput, sorted.weight, into: gradInput)
        return gradInput
    }
}
