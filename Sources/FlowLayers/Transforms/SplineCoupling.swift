import FlowRuntime

/// Rational-quadratic spline coupling for vectors (Neural Spline Flows, Durkan et al. 2019,
/// arXiv:1906.04032, §3.1 with linear tails). With `(a, b)` the mask's kept and transformed parts
/// and `θ` the conditioner's output on `a` (and the context):
///
///     y_a = a,   y_b,j = RQS(b_j; θ_j)   (identity outside [−B, B])
///     log|det J| = Σ_j log RQS′(b_j; θ_j)
///
/// with `θ_j` the `3K − 1` unnormalised widths, heights and interior derivatives of feature `j`
/// (`SplineOptions`), laid out feature by feature in the conditioner's output
/// (`[B, D_b·(3K − 1)]`, read as `[B, D_b, 3K − 1]` with no copy). The Jacobian is triangular
/// because `θ` does not depend on `b`. With the conditioner's last layer at zero every bin is
/// equally wide and tall and every slope is `minDerivative + log 2` or 1, so the coupling starts
/// close to the identity.
public typealias SplineCoupling = TransformerCoupling<SplineOptions>
