import FlowCore

/// The whole vector coupling with an MLP conditioner as one pool job forward and one backward
/// (`MLPCouplingCapable`): each thread takes its block of rows through the column gather, every
/// layer, the coupling and the log-det, and back, so a coupling costs one hand-off each way
/// instead of a dozen. The rows are cut as `gemmRowChain` cuts them and each product is the same
/// `gemmBlock` call on the same rows, so the forward matches the fallback's exactly. The weight
/// gradients are summed differently (each block's rows, then the blocks in order), and so are
/// the bias gradients, in Double like `featureSum` but in two stages.
extension CPUDevice: MLPCouplingCapable {
    public func mlpAffineCoupling(
        _ spec: MLPCouplingSpec, inverse: Bool, x: any DeviceBuffer, context: (any DeviceBuffer)?,
        weights: [any DeviceBuffer], biases: [any DeviceBuffer], layerInputs: [any DeviceBuffer],
        conditionerOutput: any DeviceBuffer, y: any DeviceBuffer, logDet: any DeviceBuffer
    ) throws {
        let op = "mlpAffineCoupling"
        let (px, py, pl, pOut) = (try floats(x, op), try floats(y, op), try floats(logDet, op), try floats(conditionerOutput, op))
        let pContext = try context.map { try floats($0, op) }
        let (pWeights, pBiases) = (try weights.map { try floats($0, op) }, try biases.map { try floats($0, op) })
        // Layer l reads layerOutputs[l] and writes layerOutputs[l + 1]; the last is the conditioner's output.
        let layerOutputs = try layerInputs.map { try floats($0, op) } + [pOut]
        let order = spec.columns.order.values.map(Int.init)
        let (features, kept, transformed, width) = (spec.columns.features, spec.columns.kept, spec.columns.transformed, spec.conditionerInputs)
        let (parts, size) = Self.rowParts(spec)
        WorkerPool.shared.run(parts) { part in
            let block = (part * size)..<min(spec.rows, (part + 1) * size)
            guard !block.isEmpty else { return }
            for row in block {
                let (source, input) = (px + row * features, layerOutputs[0] + row * width)
                for i in 0..<kept { input[i] = source[order[i]] }
                guard let pContext else { continue }
                (input + kept).update(from: pContext + row * spec.contextFeatures, count: spec.contextFeatures)
            }
            for layer in spec.widths.indices {
                let last = layer == spec.widths.count - 1
                let product = GemmSpec(
                    m: spec.rows, n: spec.widths[layer], k: spec.inputs(ofLayer: layer), transposeB: true,
                    activation: last ? .none : .relu)
                CPUDevice.gemmBlock(
                    product, rows: block, columns: 0..<product.n, a: layerOutputs[layer], b: pWeights[layer],
                    c: layerOutputs[layer + 1], bias: pBiases[layer])
            }
            let outputs = 2 * transformed
            for row in block {
                let (source, target, parameters) = (px + row * features, py + row * features, pOut + row * outputs)
                for i in 0..<kept { target[order[i]] = source[order[i]] }
                // The same arithmetic as `coupling`, column by column, so the log-det sums alike.
                var total = 0.0
                for j in 0..<transformed {
                    let (shiftColumn, rawColumn) = spec.parameterColumns(j)
                    let (t, column) = (parameters[shiftColumn], order[kept + j])
                    let (s, logS, _) = CouplingMath.scale(spec.scale, parameters[rawColumn])
                    total += Double(logS)
                    target[column] = CouplingMath.apply(spec.order, inverse: inverse, source[column], t: t, s: s)
                }
                pl[row] = Float(inverse ? -total : total)
            }
        }
    }

    public func mlpAffineCouplingBackward(
        _ spec: MLPCouplingSpec, x: any DeviceBuffer, weights: [any DeviceBuffer], layerInputs: [any DeviceBuffer],
        conditionerOutput: any DeviceBuffer, gradY: any DeviceBuffer, gradLogDet: any DeviceBuffer,
        gradX: any DeviceBuffer, gradContext: (any DeviceBuffer)?, gradWeights: [any DeviceBuffer],
        gradBiases: [any DeviceBuffer]
    ) throws {
        let op = "mlpAffineCouplingBackward"
        let (px, pOut, pdy, pdl, pdx) = (
            try floats(x, op), try floats(conditionerOutput, op), try floats(gradY, op), try floats(gradLogDet, op),
            try floats(gradX, op)
        )
        let pdContext = try gradContext.map { try floats($0, op) }
        let pWeights = try weights.map { try floats($0, op) }
        let inputs = try layerInputs.map { try floats($0, op) }
        let (pdWeights, pdBiases) = (try gradWeights.map { try floats($0, op) }, try gradBiases.map { try floats($0, op) })
        let layers = spec.widths.count
        let (features, kept, transformed, width) = (spec.columns.features, spec.columns.kept, spec.columns.transformed, spec.conditionerInputs)
        let order = spec.columns.order.values.map(Int.init)
        let (parts, size) = Self.rowParts(spec)
        // Scratch: the gradient of each layer's product (`products[l]`, `[B, widths[l]]`), that of
        // the MLP's input, every thread but the first its own weight gradients, and every thread
        // its bias sums in Double (as `featureSum` sums, so the bias gradients round alike).
        let parameterCounts = spec.widths.indices.map { spec.widths[$0] * spec.inputs(ofLayer: $0) }
        let biasStarts = spec.widths.indices.map { spec.widths[..<$0].reduce(0, +) }
        let biasStride = spec.widths.reduce(0, +)
        let biasSums = UnsafeMutablePointer<Double>.allocate(capacity: max(1, parts * biasStride))
        defer { biasSums.deallocate() }
        let productScratch = try makeBuffer(bytes: max(1, spec.rows * (spec.widths.reduce(0, +) + width)) * 4)
        let partialScratch = try makeBuffer(bytes: max(1, (parts - 1) * parameterCounts.reduce(0, +)) * 4)
        let (pProducts, pPartials) = (try floats(productScratch, op), try floats(partialScratch, op))
        var products: [UnsafeMutablePointer<Float>] = []
        var next = pProducts
        for layerWidth in spec.widths {
            products.append(next)
            next += spec.rows * layerWidth
        }
        let gradInput = next
        let partialStarts = parameterCounts.indices.map { parameterCounts[..<$0].reduce(0, +) }
        let partialStride = parameterCounts.reduce(0, +)
        withExtendedLifetime((productScratch, partialScratch)) {
            WorkerPool.shared.run(parts) { part in
                let block = (part * size)..<min(spec.rows, (part + 1) * size)
                let outputs = 2 * transformed
                for row in block {
                    let (source, gradient, target) = (px + row * features, pdy + row * features, pdx + row * features)
                    let (parameters, gradParameters) = (pOut + row * outputs, products[layers - 1] + row * outputs)
                    let dLogDet = pdl[row]
                    for i in 0..<kept { target[order[i]] = gradient[order[i]] }
                    for j in 0..<transformed {
                        let (shiftColumn, rawColumn) = spec.parameterColumns(j)
                        let column = order[kept + j]
                        (target[column], gradParameters[shiftColumn], gradParameters[rawColumn]) = CouplingMath.backward(
                            spec.scale, spec.order, x: source[column], t: parameters[shiftColumn], h: parameters[rawColumn],
                            dy: gradient[column], dLogDet: dLogDet)
                    }
                }
                for layer in (0..<layers).reversed() {
                    let inputWidth = spec.inputs(ofLayer: layer)
                    let flowing = layer > 0 ? products[layer - 1] : gradInput
                    if !block.isEmpty {
                        let product = GemmSpec(m: spec.rows, n: inputWidth, k: spec.widths[layer])
                        CPUDevice.gemmBlock(
                            product, rows: block, columns: 0..<inputWidth, a: products[layer], b: pWeights[layer], c: flowing,
                            bias: nil)
                        if layer > 0 {
                            // ReLU's backward: the hidden output is positive exactly where its pre-activation is.
                            let at = block.lowerBound * inputWidth
                            CPUKernels.reluBackward(inputs[layer] + at, flowing + at, flowing + at, block.count * inputWidth)
                        }
                    }
                    let gradWeight = part == 0 ? pdWeights[layer] : pPartials + (part - 1) * partialStride + partialStarts[layer]
                    Self.parameterGradients(
                        rows: block, outputs: spec.widths[layer], inputs: inputWidth, gradProduct: products[layer],
                        input: inputs[layer], gradWeight: gradWeight, biasSums: biasSums + part * biasStride + biasStarts[layer])
                }
                for row in block {
                    let (target, source) = (pdx + row * features, gradInput + row * width)
                    for i in 0..<kept { target[order[i]] += source[i] }
                    guard let pdContext else { continue }
                    for c in 0..<spec.contextFeatures { pdContext[row * spec.contextFeatures + c] = source[kept + c] }
                }
            }
            // The blocks' partial sums, added in block order (blocks follow from the shape, so the
            // bits never depend on the threads or their timing); each element by one thread, and
            // a layer of fewer than 2¹⁵ weights inline: its adds cost less than a hand-off
            // (measured on an 8-coupling 2-D RealNVP, whose 128 × 128 layer took 2% longer per step cut in four).
            for layer in 0..<layers {
                let target = pdWeights[layer]
                if parts > 1 {
                    Parallel.forEachRange(parameterCounts[layer], grain: 1 << 14) { elements in
                        for part in 1..<parts {
                            let partial = pPartials + (part - 1) * partialStride + partialStarts[layer]
                            for i in elements { target[i] += partial[i] }
                        }
                    }
                }
                for o in 0..<spec.widths[layer] {
                    var total = 0.0
                    for part in 0..<parts { total += biasSums[part * biasStride + biasStarts[layer] + o] }
                    pdBiases[layer][o] = Float(total)
                }
            }
        }
    }

    /// `∂W = ∂Pᵀ · X` and `Σ ∂P` (in Double) over `rows` (overwriting both; zero for no rows).
    private static func parameterGradients(
        rows: Range<Int>, outputs: Int, inputs: Int, gradProduct: UnsafeMutablePointer<Float>,
        input: UnsafeMutablePointer<Float>, gradWeight: UnsafeMutablePointer<Float>, biasSums: UnsafeMutablePointer<Double>
    ) {
        let product = GemmSpec(m: outputs, n: inputs, k: rows.count, transposeA: true, lda: outputs, ldb: inputs, ldc: inputs)
        CPUDevice.gemmBlock(
            product, rows: 0..<outputs, columns: 0..<inputs, a: gradProduct + rows.lowerBound * outputs,
            b: input + rows.lowerBound * inputs, c: gradWeight, bias: nil)
        biasSums.update(repeating: 0, count: outputs)
        for row in rows {
            let line = gradProduct + row * outputs
            for o in 0..<outputs { biasSums[o] += Double(line[o]) }
        }
    }

    /// The row blocks `gemmRowChain` would cut this MLP's batch into (fixed by the shape).
    private static func rowParts(_ spec: MLPCouplingSpec) -> (parts: Int, size: Int) {
        let work = spec.widths.indices.reduce(0) { $0 + spec.rows * spec.widths[$1] * max(spec.inputs(ofLayer: $1), 1) }
        return GemmSplit.chainParts(work: work, rows: spec.rows)
    }
}
