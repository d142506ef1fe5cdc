/// A (batched) row-major matrix product `C = alpha · op(A) · op(B) + beta · C (+ bias)`.
///
/// `op(A)` is `m × k` and `op(B)` is `k × n`; with `transposeA` the stored A is `k × m`, with
/// `transposeB` the stored B is `n × k`. Matrices are dense and contiguous (leading dimension =
/// stored row length). For `batch > 1`, matrix `i` of each operand starts at `i · stride` elements;
/// a stride of 0 reuses the same matrix for every batch entry (a shared weight).
/// When a bias is given, `bias[j]` is added to every `C[i, j]` after the product.
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

    public init(
        m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false,
        alpha: Float = 1, beta: Float = 0, batch: Int = 1,
        strideA: Int? = nil, strideB: Int? = nil, strideC: Int? = nil
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
    }

    /// Elements each operand must hold.
    public var requiredA: Int { (batch - 1) * strideA + m * k }
    public var requiredB: Int { (batch - 1) * strideB + k * n }
    public var requiredC: Int { (batch - 1) * strideC + m * n }
    /// Floating-point operations of the product (2·m·n·k per batch entry).
    public var flops: Double { 2 * Double(m) * Double(n) * Double(k) * Double(batch) }
}
