import FlowRuntime

/// The device side of MADE's degree order: index tensors that move weights, activations and
/// gradients between the original unit order (the parameters' layout, which checkpoints and other
/// tools see) and the degree order the products run in, the masks in degree order, and the
/// prefix each row reads.
struct MADESortedLayout {
    let blocks: MADEDegreeBlocks
    let plan: MADEProductPlan
    /// Per layer: `rowOrder[l][i]` is the original row of sorted row `i`; `rowInverse` undoes it.
    let rowOrder: [IndexTensor]
    let rowInverse: [IndexTensor]
    let columnOrder: [IndexTensor]
    let columnInverse: [IndexTensor]
    /// Per layer, `[outputs, inputs]`: the mask in degree order (selects the weights).
    let sortedMasks: [Tensor]
    /// The joined input's columns in degree order, or nil when they already are (no
    /// context, inputs in order), which saves a gather per pass.
    let inputOrder: IndexTensor?
    let inputInverse: IndexTensor?

    init(degrees: MADEDegrees, contextFeatures: Int, masks: [[Float]], on device: any Device) throws {
        blocks = MADEDegreeBlocks(degrees: degrees, contextFeatures: contextFeatures)
        plan = try MADEProductPlan(blocks: blocks, masks: masks)
        rowOrder = try blocks.rowOrder.map { try IndexTensor($0, on: device) }
        rowInverse = try blocks.rowOrder.map { try IndexTensor(Self.inverse($0), on: device) }
        columnOrder = try blocks.columnOrder.map { try IndexTensor($0, on: device) }
        columnInverse = try blocks.columnOrder.map { try IndexTensor(Self.inverse($0), on: device) }
        sortedMasks = try plan.layers.map { try Tensor($0.sortedMask, shape: [$0.outputs, $0.inputs], on: device) }
        let joined = blocks.columnOrder[0]
        let inOrder = joined.enumerated().allSatisfy { Int($1) == $0 }
        inputOrder = inOrder ? nil : columnOrder[0]
        inputInverse = inOrder ? nil : columnInverse[0]
    }

    private static func inverse(_ order: [Int32]) -> [Int32] {
        var inverse = [Int32](repeating: 0, count: order.count)
        for (position, index) in order.enumerated() { inverse[Int(index)] = Int32(position) }
        return inverse
    }
}
