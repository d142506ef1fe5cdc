import FlowRuntime

/// The facts about MADE's masks in degree order that its products need (host-side, built once per
/// MADE): each layer's mask in that order and the prefix each row reads.
///
/// With every layer's units sorted by degree (`MADEDegreeBlocks`), row `i` of a masked weight
/// reads only a prefix of the columns: `reading[i]` of them, non-decreasing in `i`. That makes
/// each layer a `PrefixProduct`, whose zero blocks (almost half of a MADE's work) the device
/// skips with a tiling of its own (`PrefixProductCapable`); how to cut it is the hardware's
/// decision, not the model's. Entries outside a row's prefix but inside a device's tile are
/// masked zeros, multiplied like any other weight.
struct MADEProductPlan: Sendable {
    struct Layer: Sendable {
        /// The mask in degree order: `sortedMask[i · inputs + j] = M[rowOrder[i], columnOrder[j]]`.
        let sortedMask: [Float]
        let product: PrefixProduct

        var outputs: Int { product.outputs }
        var inputs: Int { product.inputs }
    }

    let layers: [Layer]

    /// `masks[l]` is layer `l`'s `[outputs, inputs]` mask in the original unit order.
    init(blocks: MADEDegreeBlocks, masks: [[Float]]) throws {
        layers = try masks.indices.map { index in
            let rowOrder = blocks.rowOrder[index].map(Int.init)
            let columnOrder = blocks.columnOrder[index].map(Int.init)
            let (outputs, inputs) = (rowOrder.count, columnOrder.count)
            var sorted = [Float](repeating: 0, count: outputs * inputs)
            var reading = [Int](repeating: 0, count: outputs)
            for (i, row) in rowOrder.enumerated() {
                for (j, column) in columnOrder.enumerated() where masks[index][row * inputs + column] != 0 {
                    sorted[i * inputs + j] = 1
                    reading[i] = j + 1
                }
            }
            return Layer(sortedMask: sorted, product: try PrefixProduct(inputs: inputs, reading: reading))
        }
    }
}
