/// A (batched) row-major matrix product `C = alpha · op(A) · op(B) + beta · C (+ bias)`, optionally
/// followed by a ReLU.
///
/// `op(A)` is `m × k` and `op(B)` is `k × n`; with `transposeA` the stored A is `k × m`, with
/// `transposeB` the stored B is `n × k`. By default matrices are dense and contiguous; a leading
/// dimension (`lda`, `ldb`, `ldc`: elements between the starts of consecutive stored rows) and an
/// element offset address a block inside a larger matrix, which is how MADE's incremental sampling
/// updates one degree block of a layer in place. For `batch > 1`, matrix `i` of each operand starts
/// at `offset + i · stride` elements; a stride of 0 reuses the same matrix for every batch entry (a
/// shared weight). When a bias is given, `bias[offsetBias + j]` is added to every `C[i, j]` after
/// the product; `activation` is applied last.
public struct GemmSpec: Sendable, Equatable {
    public var m: Int
    public var n: Int
    public var k: Int
    public var transposeA: Bool
    public var transposeB: Bool
    public var alpha: Float
    public var beta: Float
    public var batch: Int
    public var strideA: Int
    public var strideB: Int
    public var strideC: Int
    public var lda: Int
    public var ldb: Int
    public var ldc: Int
    public var offsetA: Int = 0
    public var offsetB: Int = 0
    public var offsetC: Int = 0
    public var offsetBias: Int = 0
    public var activation: GemmActivation = .none

    public init(
        m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false,
        alpha: Float = 1, beta: Float = 0, batch: Int = 1,
        strideA: Int? = nil, strideB: Int? = nil, strideC: Int? = nil,
        lda: Int? = nil, ldb: Int? = nil, ldc: Int? = nil, activation: GemmActivation = .none
    ) {
        self.m = m
        self.n = n
        self.k = k
        self.transposeA = transposeA
        self.transposeB = transposeB
        self.alpha = alpha
        self.beta = beta
        self.batch = batch
        self.strideA = strideA ?? m * k
        self.strideB = strideB ?? k * n
        self.strideC = strideC ?? m * n
        self.lda = lda ?? (transposeA ? m : k)
        self.ldb = ldb ?? (transposeB ? k : n)
        self.ldc = ldc ?? n
        self.activation = activation
    }

    /// Elements each operand's buffer must hold (through its last element).
    public var requiredA: Int { extent(offsetA, strideA, transposeA ? (k, m) : (m, k), lda) }
    public var requiredB: Int { extent(offsetB, strideB, transposeB ? (n, k) : (k, n), ldb) }
    public var requiredC: Int { extent(offsetC, strideC, (m, n), ldc) }
    /// Floating-point operations of the product (2·m·n·k per batch entry).
    public var flops: Double { 2 * Double(m) * Double(n) * Double(k) * Double(batch) }

    /// Whether every leading dimension can hold its stored row (so rows never overlap) and no
    /// offset is negative.
    public var leadingDimensionsValid: Bool {
        lda >= (transposeA ? m : k) && ldb >= (transposeB ? k : n) && ldc >= n && min(offsetA, offsetB, offsetC, offsetBias) >= 0
    }

    private func extent(_ offset: Int, _ stride: Int, _ stored: (rows: Int, columns: Int), _ ld: Int) -> Int {
        // An empty block reads or writes nothing, wherever its offset points.
        guard stored.rows > 0, stored.columns > 0, batch > 0 else { return 0 }
        return offset + (batch - 1) * stride + (stored.rows - 1) * ld + stored.columns
    }
}

/// What a product's epilogue applies to each output after the bias.
public enum GemmActivation: Int32, Sendable, Equatable {
    case none = 0
    /// `max(v, 0)`: the hidden layers of MLPs and MADEs, fused into the product.
    case relu = 1
}
