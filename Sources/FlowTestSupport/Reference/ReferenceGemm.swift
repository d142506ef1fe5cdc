import FlowRuntime

extension Reference {
    /// `C = alpha · op(A) · op(B) + beta · C + bias` exactly as `GemmSpec` describes it: row-major,
    /// stored A is `k × m` under `transposeA`, stored B is `n × k` under `transposeB`, matrix `i`
    /// of a batch starts at `i · stride`. `c` is read only when `beta ≠ 0`; elements of `c` outside
    /// the batch's matrices (padding between strided matrices) are returned unchanged.
    public static func gemm(_ spec: GemmSpec, a: [Double], b: [Double], c: [Double], bias: [Double]?) -> [Double] {
        let (m, n, k) = (spec.m, spec.n, spec.k)
        var out = c
        for entry in 0..<spec.batch {
            let baseA = spec.offsetA + entry * spec.strideA
            let baseB = spec.offsetB + entry * spec.strideB
            let baseC = spec.offsetC + entry * spec.strideC
            for i in 0..<m {
                for j in 0..<n {
                    var sum = 0.0
                    for p in 0..<k {
                        let aValue = spec.transposeA ? a[baseA + p * spec.lda + i] : a[baseA + i * spec.lda + p]
                        let bValue = spec.transposeB ? b[baseB + j * spec.ldb + p] : b[baseB + p * spec.ldb + j]
                        sum += aValue * bValue
                    }
                    var value = Double(spec.alpha) * sum
                    if spec.beta != 0 { value += Double(spec.beta) * c[baseC + i * spec.ldc + j] }
                    if let bias { value += bias[spec.offsetBias + j] }
                    if spec.activation == .relu { value = max(value, 0) }
                    out[baseC + i * spec.ldc + j] = value
                }
            }
        }
        return out
    }

    /// The same product evaluated on absolute values (|alpha|, |A|, |B|, |beta|, |C|, |bias|): for
    /// each output, the sum of the magnitudes of the terms the device adds up. Rounding error
    /// bounds are proportional to it (see `Tolerance`).
    public static func gemmMagnitude(_ spec: GemmSpec, a: [Double], b: [Double], c: [Double], bias: [Double]?) -> [Double] {
        var absSpec = spec
        absSpec.alpha = abs(spec.alpha)
        absSpec.beta = abs(spec.beta)
        absSpec.activation = .none
        return gemm(absSpec, a: a.map(abs), b: b.map(abs), c: c.map(abs), bias: bias?.map(abs))
    }

    /// A (masked) linear layer `y = x · (W ⊙ M)ᵀ + b` for `x: [rows, inputs]`, `W, M: [outputs, inputs]`.
    public static func linear(
        x: [Double], rows: Int, inputs: Int, weight: [Double], outputs: Int, bias: [Double]?, mask: [Double]?
    ) -> [Double] {
        let effective = mask.map { multiply(weight, $0) } ?? weight
        var y = [Double](repeating: 0, count: rows * outputs)
        for r in 0..<rows {
            for o in 0..<outputs {
                var sum = bias?[o] ?? 0
                for i in 0..<inputs { sum += x[r * inputs + i] * effective[o * inputs + i] }
                y[r * outputs + o] = sum
            }
        }
        return y
    }

    /// Backward of `linear`: `∂x = ∂y · (W ⊙ M)`, `∂W = (∂yᵀ · x) ⊙ M`, `∂b = Σ_rows ∂y`.
    public static func linearBackward(
        x: [Double], rows: Int, inputs: Int, weight: [Double], outputs: Int, mask: [Double]?, gradY: [Double]
    ) -> (input: [Double], weight: [Double], bias: [Double]) {
        let effective = mask.map { multiply(weight, $0) } ?? weight
        var gradX = [Double](repeating: 0, count: rows * inputs)
        var gradW = [Double](repeating: 0, count: outputs * inputs)
        var gradB = [Double](repeating: 0, count: outputs)
        for r in 0..<rows {
            for o in 0..<outputs {
                let g = gradY[r * outputs + o]
                gradB[o] += g
                for i in 0..<inputs {
                    gradX[r * inputs + i] += g * effective[o * inputs + i]
                    gradW[o * inputs + i] += g * x[r * inputs + i]
                }
            }
        }
        if let mask { gradW = multiply(gradW, mask) }
        return (gradX, gradW, gradB)
    }
}
