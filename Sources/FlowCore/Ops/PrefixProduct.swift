/// A masked product whose mask is prefix-structured (block-triangular), described by intent: with
/// rows and columns in a suitable order (MADE's degree order), output unit `i` reads only the
/// first `reading[i]` input columns, and `reading` is non-decreasing in `i`. The weight
/// `W: [outputs, inputs]` holds zeros outside each row's prefix (masked entries), so one dense
/// product is always exact; a device may skip the zero blocks with a tiling of its own choice
/// (`PrefixProductCapable`). The three products a masked layer needs are its `Kind`s.
public struct PrefixProduct: Sendable, Equatable {
    /// Which product of the masked layer, for a batch of `B` rows.
    public enum Kind: Sendable, Equatable {
        /// `y = act(x · Wᵀ + b)`: `x: [B, inputs]`, `W: [outputs, inputs]`, `y: [B, outputs]`,
        /// bias (optional) `[outputs]`.
        case forward(GemmActivation)
        /// `∂W = ∂yᵀ · x` on each row's prefix: `∂y: [B, outputs]`, `x: [B, inputs]`,
        /// `∂W: [outputs, inputs]`. Entries outside the prefixes are unspecified (a mask drops
        /// them), which lets a device compute only the prefixes.
        case weightGradient
        /// `∂x = ∂y · W`: `∂y: [B, outputs]`, `W: [outputs, inputs]`, `∂x: [B, inputs]`. Column `c`
        /// is read only by the rows whose prefix passes it, a suffix of the rows.
        case inputGradient
    }

    public let inputs: Int
    /// `reading[i]`: how many leading input columns output `i` reads (`0…inputs`, non-decreasing).
    public let reading: [Int]

    public var outputs: Int { reading.count }

    public init(inputs: Int, reading: [Int]) throws {
        guard inputs >= 0 else {
            throw FlowError.invalidArgument(op: "PrefixProduct", detail: "negative inputs \(inputs)")
        }
        guard reading.allSatisfy({ (0...inputs).contains($0) }), zip(reading, reading.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw FlowError.invalidArgument(op: "PrefixProduct", detail: "reading must be non-decreasing within 0…\(inputs)")
        }
        (self.inputs, self.reading) = (inputs, reading)
    }

    /// The first output that reads input `column` (every later output does too); `outputs` when none does.
    public func firstRow(reading column: Int) -> Int {
        // reading is sorted, so the readers of `column` (reading > column) are a suffix: binary search.
        var (low, high) = (0, outputs)
        while low < high {
            let middle = (low + high) / 2
            if reading[middle] > column { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// The one product that computes `kind` on its own: exact because the weight is zero outside
    /// the prefixes, and skipping only what no row reads (the columns past the last prefix).
    public func denseSpec(_ kind: Kind, batch: Int) -> GemmSpec {
        kind == .inputGradient ? columnBlockSpec(batch: batch, columns: 0..<inputs) : rowBlockSpec(kind, batch: batch, rows: 0..<outputs)
    }

    /// `kind` (forward or weight gradient) for the outputs `rows` only, over the longest prefix
    /// among them: the product of one row tile.
    public func rowBlockSpec(_ kind: Kind, batch: Int, rows: Range<Int>) -> GemmSpec {
        let widest = rows.isEmpty ? 0 : reading[rows.upperBound - 1]
        if case .forward(let activation) = kind {
            var spec = GemmSpec(
                m: batch, n: rows.count, k: widest, transposeB: true, lda: inputs, ldb: inputs, ldc: outputs, activation: activation)
            spec.offsetB = rows.lowerBound * inputs
            spec.offsetC = rows.lowerBound
            spec.offsetBias = rows.lowerBound
            return spec
        }
        var spec = GemmSpec(m: rows.count, n: widest, k: batch, transposeA: true, lda: outputs, ldb: inputs, ldc: inputs)
        spec.offsetA = rows.lowerBound
        spec.offsetC = rows.lowerBound * inputs
        return spec
    }

    /// The input gradient for the inputs `columns` only, over the outputs that read any of them:
    /// the product of one column tile.
    public func columnBlockSpec(batch: Int, columns: Range<Int>) -> GemmSpec {
        let first = columns.isEmpty ? outputs : firstRow(reading: columns.lowerBound)
        var spec = GemmSpec(m: batch, n: columns.count, k: outputs - first, lda: outputs, ldb: inputs, ldc: inputs)
        spec.offsetA = first
        spec.offsetB = first * inputs + columns.lowerBound
        spec.offsetC = columns.lowerBound
        return spec
    }
}
