import FlowRuntime

extension MADE {
    /// MAF's inverse `x = z ⊙ exp(α(x)) + μ(x)` with one network's worth of work instead of the
    /// `D` full passes of the plain recursion (MAF sampling).
    ///
    /// Why it is exact: a hidden unit of degree `k` depends only on the inputs of degree ≤ `k`, so
    /// it is final as soon as those are, and never changes afterwards. Pass `d` (the plain
    /// recursion's `d`-th) therefore only has to compute the units of degree `d − 1` of each hidden
    /// layer, from the already final units of degree ≤ `d − 1` below them, then the two outputs
    /// (`μ`, `α`) of the input of degree `d`, which read hidden units of degree < `d`, and fix that
    /// input. Sorted by degree (`MADEDegreeBlocks`), a degree's units are a contiguous block and
    /// what they read is a prefix of the layer below, so each step is one product on a block.
    ///
    /// The state is stored feature-major (`[units, batch]`) so that a block is a contiguous run of
    /// rows that `copyElements` and `Tensor.gemm` address with offsets. Moving `z`, the context and
    /// the result between that layout and `[batch, features]` is a product with a 0/1 permutation
    /// matrix, which is exact.
    ///
    /// Returns nil where the fused ReLU epilogue does not apply (another activation), or the
    /// outputs are not MAF's `[μ, α]`; the caller then runs the plain recursion.
    ///
    /// `logScaleBound` maps the network's raw log-scale output to the `α` used (see `LogScaleBound`).
    func incrementalInverse(_ z: Tensor, context: Tensor?, logScaleBound: LogScaleBound = .unbounded) throws -> BijectorResult? {
        guard degrees.outputsPerFeature == 2, degrees.outputLayout == .parameterMajor else { return nil }
        let batch = z.shape.first ?? 0
        guard
            let (x, outputs) = try solveByDegree(
                z, context: context,
                solve: { block, noiseRow in
                    // x_d = z_d · exp(α_d) + μ_d for the input of degree d.
                    let shiftAndLogScale = try block.reshaped([1, 2 * batch]).split([batch, batch])
                    return try noiseRow.multiplying(logScaleBound.apply(shiftAndLogScale[1]).unary(.exp)).adding(shiftAndLogScale[0])
                })
        else { return nil }
        // log|det ∂x/∂z| = Σ α: the odd rows of the output state.
        let perFeature = try outputs.reshaped([features, 2 * batch])
        guard logScaleBound.isBounded else {
            let columnSums = try perFeature.featureSum().reshaped([1, 2 * batch])
            return BijectorResult(output: x, logDet: try columnSums.split([batch, batch])[1].reshaped([batch]))
        }
        let logScale = try logScaleBound.apply(perFeature.split([batch, batch])[1])
        return BijectorResult(output: x, logDet: try logScale.featureSum().reshaped([batch]))
    }

    /// The incremental recursion for any per-feature transformer: for each degree `d` in turn,
    /// `solve(block, noiseRow)` gets that feature's `m` outputs as `[m, B]` (parameter `p` in row
    /// `p`) and its noise `[1, B]`, and returns its data value `[1, B]`, which later degrees read.
    /// Returns `x [B, D]` and the final output state `[m·D, B]` (rows grouped by degree), or nil
    /// where the fused ReLU epilogue does not apply.
    func solveByDegree(
        _ z: Tensor, context: Tensor?, solve: (_ block: Tensor, _ noiseRow: Tensor) throws -> Tensor
    ) throws -> (x: Tensor, outputs: Tensor)? {
        guard activation == .relu, z.rank == 2, z.shape[1] == features, z.shape[0] > 0 else { return nil }
        let device = z.device
        let (batch, contextCount, perFeature) = (z.shape[0], contextFeatures, degrees.outputsPerFeature)
        let plan = layout.blocks
        let sortedWeights = try sortedLayers().map { (weight: $0.weight, bias: try $0.bias.reshaped([$0.bias.count, 1])) }

        // The joined input: the context rows, then the inputs by degree (all zero until fixed).
        let input = try Tensor.zeros([contextCount + features, batch], on: device)
        if contextCount > 0 {
            guard let context, context.shape == [batch, contextCount] else {
                throw FlowError.shapeMismatch(
                    op: "MADE.inverse", detail: "context \(context?.shape.description ?? "nil"), expected [\(batch), \(contextCount)]")
            }
            let identity = try permutationMatrix(Array(0..<contextCount), on: device)
            try Tensor.gemm(GemmSpec(m: contextCount, n: batch, k: contextCount, transposeB: true), identity, context, into: input)
        }
        // zT[k, b] = z[b, inputOrder[k]].
        let permutation = try permutationMatrix(plan.inputOrder, on: device)
        let noise = try Tensor.empty([features, batch], on: device)
        try Tensor.gemm(GemmSpec(m: features, n: batch, k: features, transposeB: true), permutation, z, into: noise)

        // Every later layer starts at its bias; each block's product then adds onto it.
        let ones = try Tensor.full([1, batch], value: 1, on: device)
        let states = try layers.indices.map { index in
            let rows = sortedWeights[index].bias.count
            let state = try Tensor.empty([rows, batch], on: device)
            try Tensor.gemm(GemmSpec(m: rows, n: batch, k: 1), sortedWeights[index].bias, ones, into: state)
            return state
        }
        let hidden = plan.hiddenLayers
        let outputs = states[hidden]
        for degree in 1...features {
            let known = degree - 1
            if known >= 1 {
                for layer in 0..<hidden {
                    let block = plan.block(layer, degree: known)
                    guard !block.isEmpty else { continue }
                    try addProduct(
                        rows: block, reading: plan.prefix(layer - 1, degree: known), width: plan.width(layer - 1),
                        weight: sortedWeights[layer].weight, source: layer == 0 ? input : states[layer - 1],
                        into: states[layer], activation: .relu, batch: batch)
                }
            }
            let rows = (perFeature * known)..<(perFeature * degree)
            try addProduct(
                rows: rows, reading: plan.prefix(hidden - 1, degree: known), width: plan.width(hidden - 1),
                weight: sortedWeights[hidden].weight, source: hidden == 0 ? input : states[hidden - 1],
                into: outputs, activation: .none, batch: batch)
            let block = try Tensor.empty([perFeature, batch], on: device)
            try block.copyElements(from: outputs, sourceOffset: rows.lowerBound * batch, count: perFeature * batch)
            let noiseRow = try Tensor.empty([1, batch], on: device)
            try noiseRow.copyElements(from: noise, sourceOffset: known * batch, count: batch)
            let value = try solve(block, noiseRow)
            try input.copyElements(from: value, offset: (contextCount + known) * batch, count: batch)
        }

        // x[b, i] = input[contextCount + degree(i) − 1, b].
        let x = try Tensor.empty([batch, features], on: device)
        var gather = GemmSpec(m: batch, n: features, k: features, transposeA: true, lda: batch)
        gather.offsetA = contextCount * batch
        try Tensor.gemm(gather, input, permutation, into: x)
        return (x, outputs)
    }

    /// `into[rows, :] = act(into[rows, :] + weight[rows, 0..<reading] · source[0..<reading, :])`.
    private func addProduct(
        rows: Range<Int>, reading: Int, width: Int, weight: Tensor, source: Tensor, into state: Tensor,
        activation: GemmActivation, batch: Int
    ) throws {
        var spec = GemmSpec(m: rows.count, n: batch, k: reading, beta: 1, lda: width, ldb: batch, ldc: batch, activation: activation)
        spec.offsetA = rows.lowerBound * width
        spec.offsetC = rows.lowerBound * batch
        try Tensor.gemm(spec, weight, source, into: state)
    }

    /// `P[k, i] = 1` where `i = order[k]`, else 0.
    func permutationMatrix(_ order: [Int], on device: any Device) throws -> Tensor {
        var values = [Float](repeating: 0, count: order.count * order.count)
        for (row, column) in order.enumerated() { values[row * order.count + column] = 1 }
        return try Tensor(values, shape: [order.count, order.count], on: device)
    }
}
