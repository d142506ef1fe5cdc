import FlowRuntime

/// Logistic-mixture CDF coupling for vectors, the elementwise transformer of Flow++ (Ho et al.
/// 2019, arXiv:1902.00275, §3.1). With `(a, b)` the mask's kept and transformed parts and `θ` the
/// conditioner's output on `a` (and the context):
///
///     y_a = a,   y_b,j = σ⁻¹(Σ_k softmax(π_j)_k σ((b_j − μ_jk)·e^(−s_jk)))·e^(α_j) + β_j
///     log|det J| = Σ_j log dy_b,j/db_j
///
/// with `θ_j` the `3K + 2` values of feature `j` (`LogisticMixtureOptions`: `K` logits, `K` means,
/// `K` log-scales, `α`, `β`), laid out feature by feature in the conditioner's output
/// (`[B, D_b·(3K + 2)]`, read as `[B, D_b, 3K + 2]` with no copy). The Jacobian is triangular
/// because `θ` does not depend on `b`. With the conditioner's output at zero every component is
/// the standard logistic and `α = β = 0`, so `y_b = σ⁻¹(σ(b)) = b`: the coupling starts at the
/// identity. (Flow++'s attention conditioners, dequantization and presets are not here yet.)
public typealias LogisticMixtureCoupling = TransformerCoupling<LogisticMixtureOptions>
