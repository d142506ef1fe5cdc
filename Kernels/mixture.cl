// mixture.cl: the Flow++ logistic-mixture CDF transformer (Ho et al. 2019, section 3.1), fused:
// F(x) = sum_k softmax(pi)_k * sigmoid((x - mu_k) * exp(-s_k)), y = logit(F(x)) * exp(a) + b.
// Each element's parameters are 3K+2 consecutive floats: K logits, K means, K log-scales, a, b.
// Log-scales are clamped below at min_log_scale, and the affine log-scale is bounded softly,
// a = A * tanh(a_raw / A) with A = max_a (LogisticMixtureOptions.maxAffineLogScale). Everything
// is in the log domain: log F and log(1 - F) are log-sum-exps of log softmax + log sigmoid(+-z), log sigmoid(t) = -softplus(-t),
// so logit(F) = log F - log(1 - F) stays finite and accurate far beyond float sigmoid's range.
// mixture_fwd runs one work-group per sample (row) and sums the log-dets in a fixed tree order;
// the inverse bisects logit(F(x)) = (y - b) * exp(-a) for a fixed number of steps on an exact
// bracket. mixture_bwd is elementwise (every element owns its parameters' gradients).
// Written to match LogisticMixtureMath (CPU backend) operation for operation.
FP_CONTRACT_OFF

// A running log-sum-exp in a fixed order: *top is the max so far, *sum = sum exp(t - *top).
INLINE void mixture_lse_add(float* top, float* sum, const float t) {
    if (t > *top) {
        *sum = *sum * exp(*top - t) + 1.0f;
        *top = t;
    } else {
        *sum += exp(t - *top);
    }
}

// log sum_k exp(pi_k), for the log-softmax weights.
INLINE float mixture_log_normalizer(GLOBAL const float* p, const int K) {
    float top = -INFINITY, sum = 0.0f;
    for (int i = 0; i < K; ++i) mixture_lse_add(&top, &sum, p[i]);
    return top + log(sum);
}

// log F, log(1 - F) and (with density) log F' at x. log F and log(1 - F) are clamped to <= 0:
// rounding can leave them a few ulps above 0 when F is within rounding of 0 or 1.
INLINE void mixture_evaluate(GLOBAL const float* p, const int K, const float min_log_scale, const float x,
                             const int density, float* log_f, float* log_1mf, float* log_density) {
    const float norm = mixture_log_normalizer(p, K);
    float lt = -INFINITY, ls = 0.0f, ut = -INFINITY, us = 0.0f, dt = -INFINITY, ds = 0.0f;
    for (int i = 0; i < K; ++i) {
        const float s = fmax(p[2 * K + i], min_log_scale);
        const float z = (x - p[K + i]) * exp(-s);
        const float w = p[i] - norm;
        const float log_sigma = -stable_softplus(-z);
        const float log_sigma_neg = -stable_softplus(z);
        mixture_lse_add(&lt, &ls, w + log_sigma);
        mixture_lse_add(&ut, &us, w + log_sigma_neg);
        // sigmoid'(z) = sigmoid(z) * sigmoid(-z), and dz/dx = exp(-s).
        if (density) mixture_lse_add(&dt, &ds, w + log_sigma + log_sigma_neg - s);
    }
    *log_f = fmin(lt + log(ls), 0.0f);
    *log_1mf = fmin(ut + log(us), 0.0f);
    *log_density = density ? dt + log(ds) : 0.0f;
}

// The bounded affine log-scale a = A * tanh(a_raw / A).
INLINE float mixture_affine_log_scale(const float raw, const float max_a) { return max_a * tanh(raw / max_a); }

// The x with logit(F(x)) = u = (y - b) * exp(-a), by bisection in the logit domain. The bracket is
// exact: logit(F) lies between the smallest and largest z_k, so at x = mu_k + u * exp(s_k) (where
// z_k = u) the minimum over k is <= the root and the maximum >= it; with K = 1 it is the single
// point of the closed-form inverse.
INLINE float mixture_solve(GLOBAL const float* p, const int K, const float min_log_scale, const float max_a,
                           const int iterations, const float y) {
    const float u = (y - p[3 * K + 1]) * exp(-mixture_affine_log_scale(p[3 * K], max_a));
    float lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < K; ++i) {
        const float root = p[K + i] + u * exp(fmax(p[2 * K + i], min_log_scale));
        lo = fmin(lo, root);
        hi = fmax(hi, root);
    }
    for (int it = 0; it < iterations; ++it) {
        // Halves are added (not the sum halved) so that the midpoint cannot overflow.
        const float mid = 0.5f * lo + 0.5f * hi;
        // Nothing left to halve in float (false for NaN too, which ends the loop).
        if (!(mid > lo && mid < hi)) break;
        float lf, l1mf, unused;
        mixture_evaluate(p, K, min_log_scale, mid, 0, &lf, &l1mf, &unused);
        if (lf - l1mf < u) lo = mid; else hi = mid;
    }
    return 0.5f * lo + 0.5f * hi;
}

KERNEL void mixture_fwd(const int rows, const int columns, const int K, const float min_log_scale,
                        const float max_a, const int iterations, const int inverse,
                        GLOBAL const float* x, GLOBAL const float* params, GLOBAL float* y, GLOBAL float* logdet) {
    LOCAL_ARRAY float scratch[WGS];
    const int row = GROUP_ID(0);
    const int per = 3 * K + 2;
    float partial = 0.0f;
    for (int j = LOCAL_ID(0); j < columns; j += LOCAL_SIZE(0)) {
        const int i = row * columns + j;
        GLOBAL const float* p = params + (size_t)i * per;
        const float a = mixture_affine_log_scale(p[3 * K], max_a), b = p[3 * K + 1];
        const float xi = inverse ? mixture_solve(p, K, min_log_scale, max_a, iterations, x[i]) : x[i];
        float lf, l1mf, ld;
        mixture_evaluate(p, K, min_log_scale, xi, 1, &lf, &l1mf, &ld);
        const float log_slope = ld - lf - l1mf + a;
        y[i] = inverse ? xi : (lf - l1mf) * exp(a) + b;
        partial += inverse ? -log_slope : log_slope;
    }
    const float total = group_sum(scratch, partial);
    if (LOCAL_ID(0) == 0) logdet[row] = total;
}

// Backward of one forward element for L = g*y + gl*log dy/dx (see LogisticMixtureMath.backward for
// the derivation): A = log F, B = log(1 - F), C = log F' with responsibilities rA, rB, rC.
KERNEL void mixture_bwd(const int rows, const int columns, const int K, const float min_log_scale,
                        const float max_a, GLOBAL const float* x, GLOBAL const float* params, GLOBAL const float* dy,
                        GLOBAL const float* dlogdet, GLOBAL float* dx, GLOBAL float* dparams) {
    const int i = GLOBAL_ID(0);
    if (i >= rows * columns) return;
    const int per = 3 * K + 2;
    GLOBAL const float* p = params + (size_t)i * per;
    GLOBAL float* dp = dparams + (size_t)i * per;
    const float v = x[i];
    const float a = mixture_affine_log_scale(p[3 * K], max_a);
    float lf, l1mf, ld;
    mixture_evaluate(p, K, min_log_scale, v, 1, &lf, &l1mf, &ld);
    const float g = dy[i], gl = dlogdet[i / columns];
    const float scale = exp(a);
    const float alpha_a = g * scale - gl;
    const float alpha_b = -g * scale - gl;
    const float norm = mixture_log_normalizer(p, K);
    float gx = 0.0f;
    for (int k = 0; k < K; ++k) {
        const float s = fmax(p[2 * K + k], min_log_scale);
        const float inverse_scale = exp(-s);
        const float z = (v - p[K + k]) * inverse_scale;
        const float w = p[k] - norm;
        const float log_sigma = -stable_softplus(-z);
        const float log_sigma_neg = -stable_softplus(z);
        const float ra = exp(w + log_sigma - lf);
        const float rb = exp(w + log_sigma_neg - l1mf);
        const float rc = exp(w + log_sigma + log_sigma_neg - s - ld);
        const float sigma = exp(log_sigma);
        const float sigma_neg = exp(log_sigma_neg);
        const float gz = alpha_a * ra * sigma_neg - alpha_b * rb * sigma + gl * rc * (1.0f - 2.0f * sigma);
        const float gw = alpha_a * ra + alpha_b * rb + gl * rc;
        // sum_k dL/dw_k = -gl exactly, so dL/dpi_k = dL/dw_k + gl * softmax_k.
        dp[k] = gw + gl * exp(w);
        dp[K + k] = -gz * inverse_scale;
        dp[2 * K + k] = p[2 * K + k] >= min_log_scale ? -gz * z - gl * rc : 0.0f;
        gx += gz * inverse_scale;
    }
    // Through the bound: da/da_raw = 1 - tanh^2 = 1 - (a / A)^2.
    const float bound = a / max_a;
    dp[3 * K] = (g * scale * (lf - l1mf) + gl) * (1.0f - bound * bound);
    dp[3 * K + 1] = g;
    dx[i] = gx;
}
