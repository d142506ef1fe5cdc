/// How MADE's masked products skip the masks' zero blocks (host-side, built once per MADE).
///
/// With every layer's units sorted by degree (`MADEDegreeBlocks`), row `i` of a masked weight
/// reads only a prefix of the columns: `reading[i]` of them, non-decreasing in `i`. So the rows
/// are cut into tiles and each tile is one product over the longest prefix in it, which skips the
/// upper triangle (almost half of W2/W3's work). The backward's `∂x = ∂y · W` runs the other way:
/// columns `c0…` are read only by rows whose prefix passes `c0`, a suffix of the rows.
///
/// Entries inside a tile but outside a row's own prefix are masked zeros, multiplied like any
/// other weight: a tile is exact for any row order, and the sorting only makes it tight.
struct MADEProductPlan: Sendable {
    /// A block of output rows and the leading columns they read.
    struct RowTile: Sendable, Equatable {
        let rows: Range<Int>
        let reading: Int
    }

    /// A block of input columns and the first row that reads any of them (every later row may).
    struct ColumnTile: Sendable, Equatable {
        let columns: Range<Int>
        let firstRow: Int
    }

    struct Layer: Sendable {
        let outputs: Int
        let inputs: Int
        /// The mask in degree order: `sortedMask[i · inputs + j] = M[rowOrder[i], columnOrder[j]]`.
        let sortedMask: [Float]
        let rowTiles: [RowTile]
        let columnTiles: [ColumnTile]
    }

    /// Tiles per layer and direction, and the fewest rows (or columns) a tile may have. Eight
    /// tiles do 9/16 of the dense work instead of the ideal half. Tiles narrower than 64 make
    /// products too small to run near the GEMM rate on a CPU and lose more than they skip, so
    /// W2's 256 hidden units get four tiles and its 32 outputs one (measured with `flowkit bench
    /// --workload W2|W3`; W3 was a few percent faster with 8 tiles than with 4).
    static let tilesPerLayer = 8
    static let minimumTile = 64

    let layers: [Layer]

    /// `masks[l]` is layer `l`'s `[outputs, inputs]` mask in the original unit order.
    init(blocks: MADEDegreeBlocks, masks: [[Float]]) {
        layers = masks.indices.map { index in
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
            return Layer(
                outputs: outputs, inputs: inputs, sortedMask: sorted,
                rowTiles: Self.cut(outputs).map { rows in RowTile(rows: rows, reading: reading[rows].max() ?? 0) },
                columnTiles: Self.cut(inputs).map { columns in
                    ColumnTile(columns: columns, firstRow: reading.firstIndex { $0 > columns.lowerBound } ?? outputs)
                })
        }
    }

    /// `0..<count` in up to `tilesPerLayer` near-equal consecutive ranges of at least
    /// `minimumTile` (one range when `count` is smaller).
    private static func cut(_ count: Int) -> [Range<Int>] {
        let tiles = max(1, min(tilesPerLayer, count / minimumTile))
        let size = max(1, (count + tiles - 1) / tiles)
        return stride(from: 0, to: count, by: size).map { $0..<min(count, $0 + size) }
    }
}
