import FlowCore

/// The CPU schedules groups and chains of products itself (`GemmGroupCapable`,
/// `GemmRowChainCapable`): on a few cores the hand-offs between products cost as much as small
/// products, so it cuts them into blocks for its threads as a whole.
extension CPUDevice: GemmGroupCapable, GemmRowChainCapable {
    /// All products in one pool job. Each is cut like a lone product (`GemmSplit`); the first
    /// blocks of all products come first, largest first, and the other blocks after them,
    /// largest last. The caller claims from the front and the workers from the back
    /// (`WorkerPool`), so on two cores the caller runs the first half of every product (the first
    /// half of the batch, for MADE's tiles) and the worker the second, each largest first.
    public func gemmGroup(
        _ specs: [GemmSpec], a: any DeviceBuffer, b: any DeviceBuffer, c: any DeviceBuffer, bias: (any DeviceBuffer)?
    ) throws {
        let (pa, pb, pc) = (try floats(a, "gemmGroup"), try floats(b, "gemmGroup"), try floats(c, "gemmGroup"))
        let pBias = try bias.map { try floats($0, "gemmGroup") }
        typealias Block = (spec: Int, index: Int, rows: Range<Int>, columns: Range<Int>, work: Int)
        var leading: [Block] = []
        var others: [Block] = []
        for (number, spec) in specs.enumerated() where spec.m > 0 && spec.n > 0 {
            let split = GemmSplit(spec)
            for index in 0..<spec.batch {
                for part in 0..<split.parts {
                    let block = split.range(part)
                    guard !block.isEmpty else { continue }
                    let (rows, columns) = split.alongRows ? (block, 0..<spec.n) : (0..<spec.m, block)
                    let entry = (number, index, rows, columns, rows.count * columns.count * max(spec.k, 1))
                    if part == 0 { leading.append(entry) } else { others.append(entry) }
                }
            }
        }
        let order = leading.sorted { $0.work > $1.work } + others.sorted { $0.work < $1.work }
        WorkerPool.shared.run(order.count) { task in
            let block = order[task]
            let spec = specs[block.spec]
            CPUDevice.gemmBlock(
                spec, rows: block.rows, columns: block.columns, a: pa + spec.offsetA + block.index * spec.strideA,
                b: pb + spec.offsetB + block.index * spec.strideB, c: pc + spec.offsetC + block.index * spec.strideC,
                bias: pBias.map { $0 + spec.offsetBias })
        }
    }

    /// Each thread takes a block of rows through every stage: one hand-off for the whole chain
    /// instead of one per product, and each layer's rows stay in the cache of the core that wrote
    /// them (the caller takes the first rows, as every other op's first chunk).
    public func gemmRowChain(rows: Int, stages: [Tensor.ChainStage]) throws {
        let op = "gemmRowChain"
        let pointers = try stages.map { stage in
            (
                a: try floats(stage.a.buffer, op), b: try floats(stage.b.buffer, op), c: try floats(stage.c.buffer, op),
                bias: try stage.bias.map { try floats($0.buffer, op) }, gate: try stage.gate.map { try floats($0.buffer, op) }
            )
        }
        let work = stages.reduce(0) { total, stage in total + stage.specs.reduce(0) { $0 + $1.m * $1.n * max($1.k, 1) } }
        let (parts, size) = GemmSplit.chainParts(work: work, rows: rows)
        WorkerPool.shared.run(parts) { part in
            let block = (part * size)..<min(rows, (part + 1) * size)
            guard !block.isEmpty else { return }
            for (stage, pointer) in zip(stages, pointers) {
                for spec in stage.specs where spec.n > 0 {
                    CPUDevice.gemmBlock(
                        spec, rows: block, columns: 0..<spec.n, a: pointer.a + spec.offsetA, b: pointer.b + spec.offsetB,
                        c: pointer.c + spec.offsetC, bias: pointer.bias.map { $0 + spec.offsetBias })
                    guard let gate = pointer.gate else { continue }
                    // ReLU's backward on the block just written, while it is in cache.
                    for row in block {
                        let at = spec.offsetC + row * spec.ldc
                        CPUKernels.reluBackward(gate + at, pointer.c + at, pointer.c + at, spec.n)
                    }
                }
            }
        }
    }
}
