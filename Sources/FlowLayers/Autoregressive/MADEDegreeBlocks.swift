import FlowRuntime

/// MADE's units sorted by degree, so that the units of one degree form a contiguous block and the
/// units of degree ≤ k a prefix (MADE's masks are block-triangular in this order). The order of
/// MADE's prefix products (`MADEProductPlan`) and of the incremental inverse, which computes one
/// degree block per pass.
///
/// Layer `-1` is the joined input in the order the incremental inverse stores it: the context
/// features first (every first-layer unit reads all of them), then the inputs by degree.
struct MADEDegreeBlocks {
    let features: Int
    let contextFeatures: Int
    /// `inputOrder[k]`: the input feature whose degree is `k + 1`.
    let inputOrder: [Int]
    /// For every layer (hidden layers, then the output layer): the original index of each row in
    /// sorted order. Outputs are grouped by degree: the outputs of the feature of degree 1 in
    /// parameter order (MAF: `μ` then `α`), then those of degree 2, ….
    let rowOrder: [[Int32]]
    /// For every layer: the original index of each column (the previous layer's `rowOrder`).
    let columnOrder: [[Int32]]
    /// `ends[l][k]`: how many units of hidden layer `l` have degree ≤ `k` (`k` in `0…features`).
    private let ends: [[Int]]

    init(degrees: MADEDegrees, contextFeatures: Int) {
        features = degrees.features
        self.contextFeatures = contextFeatures
        var inputOrder = [Int](repeating: 0, count: features)
        for (index, degree) in degrees.input.enumerated() { inputOrder[degree - 1] = index }
        self.inputOrder = inputOrder
        var rows: [[Int32]] = []
        var ends: [[Int]] = []
        for layer in degrees.hidden {
            rows.append(layer.indices.sorted { (layer[$0], $0) < (layer[$1], $1) }.map(Int32.init))
            var counts = [Int](repeating: 0, count: degrees.features + 1)
            for degree in layer { counts[degree] += 1 }
            var running = 0
            ends.append(
                counts.map { count in
                    running += count
                    return running
                })
        }
        rows.append(
            inputOrder.flatMap { feature in
                (0..<degrees.outputsPerFeature).map { Int32(degrees.outputIndex(feature: feature, parameter: $0)) }
            })
        let joinedInput = (0..<contextFeatures).map { Int32(degrees.features + $0) } + inputOrder.map(Int32.init)
        rowOrder = rows
        columnOrder = [joinedInput] + rows.dropLast()
        self.ends = ends
    }

    var hiddenLayers: Int { ends.count }

    /// The rows of hidden layer `layer` whose degree is exactly `degree`.
    func block(_ layer: Int, degree: Int) -> Range<Int> { ends[layer][degree - 1]..<ends[layer][degree] }

    /// How many leading rows of layer `layer` (`-1`: the joined input) have degree ≤ `degree`.
    func prefix(_ layer: Int, degree: Int) -> Int {
        layer < 0 ? contextFeatures + degree : ends[layer][degree]
    }

    /// Rows of layer `layer` (`-1`: the joined input).
    func width(_ layer: Int) -> Int {
        layer < 0 ? contextFeatures + features : ends[layer][features]
    }
}
