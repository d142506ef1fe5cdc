// spline.cl: the rational-quadratic spline of Durkan et al. 2019 (Neural Spline Flows), fused:
// softmax widths/heights with minimums, softplus interior derivatives (boundary ones exactly 1),
// bin search, the bin's rational quadratic, identity tails outside [-B, B]. Each element's
// parameters are 3K-1 consecutive floats: K width logits, K height logits, K-1 derivatives.
// spline_fwd runs one work-group per sample (row) and sums the log-dets in a fixed tree order;
// spline_bwd is elementwise (every element owns its parameters' gradients, so no reduction).
// Every element clamps its input into [-B, B] before any arithmetic and selects the identity
// afterwards, so the branch not taken only ever sees finite, in-range values.
// Contraction is off so that knots are computed identically in every call of spline_edges (the
// forward and inverse must agree on them bit for bit) and closer to the CPU backend's.
FP_CONTRACT_OFF

// The edges of one bin along one axis, from that axis's K logits u: knot X_0 = -B,
// X_i = 2B*C_i - B with C_i the sum of the first i (minimum-adjusted) softmax shares, X_K = B
// exactly. With search, the bin is #{interior knots <= v} (a value on a knot belongs to the bin
// that starts there, in both directions); otherwise *bin is given. Writes *lo and *hi.
INLINE void spline_edges(GLOBAL const float* u, const int K, const float bound, const float min_size,
                         const int search, const float v, int* bin, float* lo, float* hi) {
    float m = u[0];
    for (int i = 1; i < K; ++i) m = fmax(m, u[i]);
    float total = 0.0f;
    for (int i = 0; i < K; ++i) total += exp(u[i] - m);
    const float share = 1.0f - min_size * (float)K;
    const int target = *bin;
    float c = 0.0f;
    float left = -bound;
    for (int i = 0; i < K; ++i) {
        c += min_size + share * (exp(u[i] - m) / total);
        const float right = i == K - 1 ? bound : 2.0f * bound * c - bound;
        if (search ? (i == K - 1 || v < right) : i == target) {
            *bin = i;
            *lo = left;
            *hi = right;
            return;
        }
        left = right;
    }
}

// Derivative at knot j: 1 at both ends (continuous slope into the identity tails), else
// min_derivative + softplus.
INLINE float spline_knot_derivative(GLOBAL const float* d, const int K, const float min_derivative, const int j) {
    return (j == 0 || j == K) ? 1.0f : min_derivative + stable_softplus(d[j - 1]);
}

// log dy/dx at xi in a bin of slope s = h/w with end derivatives d0, d1 (ratio form: no squares
// of large values, so huge derivatives do not overflow).
INLINE float spline_log_slope(const float s, const float d0, const float d1, const float xi) {
    const float t = xi * (1.0f - xi);
    const float den = s + (d0 + d1 - 2.0f * s) * t;
    const float dn = d1 * xi * xi + 2.0f * s * t + d0 * (1.0f - xi) * (1.0f - xi);
    return 2.0f * log(s) + log(dn) - 2.0f * log(den);
}

// One element forward (inverse == 0) or inverse; returns the output and writes its log-det term.
INLINE float spline_one(GLOBAL const float* p, const int K, const float bound, const float min_w, const float min_h,
                        const float min_d, const int inverse, const float v, float* logdet) {
    const int inside = v >= -bound && v <= bound;      // false for NaN
    const float vc = fmin(fmax(v, -bound), bound);     // fmax returns -bound for NaN
    int bin = 0;
    float x0, x1, y0, y1;
    if (inverse) {
        spline_edges(p + K, K, bound, min_h, 1, vc, &bin, &y0, &y1);
        spline_edges(p, K, bound, min_w, 0, 0.0f, &bin, &x0, &x1);
    } else {
        spline_edges(p, K, bound, min_w, 1, vc, &bin, &x0, &x1);
        spline_edges(p + K, K, bound, min_h, 0, 0.0f, &bin, &y0, &y1);
    }
    const float d0 = spline_knot_derivative(p + 2 * K, K, min_d, bin);
    const float d1 = spline_knot_derivative(p + 2 * K, K, min_d, bin + 1);
    const float w = x1 - x0, h = y1 - y0, s = h / w;
    float xi, out;
    if (inverse) {
        // The bin's quadratic a*xi^2 + b*xi + c = 0 (c <= 0), its root in [0, 1] in whichever form
        // adds same-signed terms: 2c / (-b - sqrt(disc)) for b >= 0 (the form of the paper, which
        // cancels catastrophically for b < 0, e.g. a steep far end d1 >> s), else
        // (-b + sqrt(disc)) / 2a, where a >= h*s > 0 in exact arithmetic.
        const float dy = vc - y0;
        const float r = d0 + d1 - 2.0f * s;
        const float a = h * (s - d0) + dy * r;
        const float b = h * d0 - dy * r;
        const float c = -s * dy;
        const float root_disc = sqrt(fmax(b * b - 4.0f * a * c, 0.0f));
        const float denom = -b - root_disc;
        const float root = b >= 0.0f ? (denom < 0.0f ? clamp(2.0f * c / denom, 0.0f, 1.0f) : 0.0f)
                                     : (a > 0.0f ? clamp((root_disc - b) / (2.0f * a), 0.0f, 1.0f) : 1.0f);
        // The top edge maps to the top knot exactly (so +-B and the knots round-trip exactly).
        xi = dy >= h ? 1.0f : root;
        out = xi >= 1.0f ? x1 : fmin(x0 + xi * w, x1);
    } else {
        xi = clamp((vc - x0) / w, 0.0f, 1.0f);
        const float t = xi * (1.0f - xi);
        const float den = s + (d0 + d1 - 2.0f * s) * t;
        const float q = h * (s * xi * xi + d0 * t) / den;
        out = xi >= 1.0f ? y1 : fmin(y0 + q, y1);
    }
    const float lj = spline_log_slope(s, d0, d1, xi);
    *logdet = inside ? (inverse ? -lj : lj) : 0.0f;
    return inside ? out : v;
}

KERNEL void spline_fwd(const int rows, const int columns, const int K, const float bound, const float min_w,
                       const float min_h, const float min_d, const int inverse,
                       GLOBAL const float* x, GLOBAL const float* params, GLOBAL float* y, GLOBAL float* logdet) {
    LOCAL_ARRAY float scratch[WGS];
    const int row = GROUP_ID(0);
    const int per = 3 * K - 1;
    float partial = 0.0f;
    for (int j = LOCAL_ID(0); j < columns; j += LOCAL_SIZE(0)) {
        const int i = row * columns + j;
        float term;
        y[i] = spline_one(params + (size_t)i * per, K, bound, min_w, min_h, min_d, inverse, x[i], &term);
        partial += term;
    }
    const float total = group_sum(scratch, partial);
    if (LOCAL_ID(0) == 0) logdet[row] = total;
}

// Gradient of one axis's logits from the loss gradients at the bin's two knots: knot X_j
// (0 < j < K) is 2B * sum_{i<j} share_i - B, share_i = m + (1 - m*K)*softmax_i.
INLINE void spline_logit_grad(GLOBAL const float* u, GLOBAL float* du, const int K, const float bound,
                              const float min_size, const int bin, const float g_lo, const float g_hi,
                              const int inside) {
    float m = u[0];
    for (int i = 1; i < K; ++i) m = fmax(m, u[i]);
    float total = 0.0f;
    for (int i = 0; i < K; ++i) total += exp(u[i] - m);
    // Only interior knots move with the logits.
    const float glo = bin >= 1 ? g_lo : 0.0f;
    const float ghi = bin + 1 <= K - 1 ? g_hi : 0.0f;
    const float scale = 2.0f * bound * (1.0f - min_size * (float)K);
    float dot = 0.0f;
    for (int i = 0; i < K; ++i) {
        const float dshare = scale * ((i < bin ? glo : 0.0f) + (i <= bin ? ghi : 0.0f));
        dot += exp(u[i] - m) / total * dshare;
    }
    for (int i = 0; i < K; ++i) {
        const float p = exp(u[i] - m) / total;
        const float dshare = scale * ((i < bin ? glo : 0.0f) + (i <= bin ? ghi : 0.0f));
        du[i] = inside ? p * (dshare - dot) : 0.0f;
    }
}

KERNEL void spline_bwd(const int rows, const int columns, const int K, const float bound, const float min_w,
                       const float min_h, const float min_d,
                       GLOBAL const float* x, GLOBAL const float* params, GLOBAL const float* dy,
                       GLOBAL const float* dlogdet, GLOBAL float* dx, GLOBAL float* dparams) {
    const int i = GLOBAL_ID(0);
    if (i >= rows * columns) return;
    const int per = 3 * K - 1;
    GLOBAL const float* p = params + (size_t)i * per;
    GLOBAL float* dp = dparams + (size_t)i * per;
    const float v = x[i];
    const int inside = v >= -bound && v <= bound;
    const float vc = fmin(fmax(v, -bound), bound);
    int bin = 0;
    float x0, x1, y0, y1;
    spline_edges(p, K, bound, min_w, 1, vc, &bin, &x0, &x1);
    spline_edges(p + K, K, bound, min_h, 0, 0.0f, &bin, &y0, &y1);
    const float d0 = spline_knot_derivative(p + 2 * K, K, min_d, bin);
    const float d1 = spline_knot_derivative(p + 2 * K, K, min_d, bin + 1);
    const float w = x1 - x0, h = y1 - y0, s = h / w;
    const float xi = clamp((vc - x0) / w, 0.0f, 1.0f);
    const float omx = 1.0f - xi;
    const float t = xi * omx;
    const float r = d0 + d1 - 2.0f * s;
    const float den = s + r * t;
    const float q = h * (s * xi * xi + d0 * t) / den;
    const float dn = d1 * xi * xi + 2.0f * s * t + d0 * omx * omx;
    const float g = dy[i], gl = dlogdet[i / columns];
    // Partial derivatives of q = y - y0 and of log dy/dx in the bin's own variables (xi, s, h, d0, d1).
    const float den_xi = r * (1.0f - 2.0f * xi);
    const float q_xi = (h * (2.0f * s * xi + d0 * (1.0f - 2.0f * xi)) - q * den_xi) / den;
    const float q_s = (h * xi * xi - q * (1.0f - 2.0f * t)) / den;
    const float q_h = (s * xi * xi + d0 * t) / den;
    const float q_d0 = t * (h - q) / den;
    const float q_d1 = -q * t / den;
    const float dn_xi = 2.0f * d1 * xi + 2.0f * s * (1.0f - 2.0f * xi) - 2.0f * d0 * omx;
    const float l_xi = dn_xi / dn - 2.0f * den_xi / den;
    const float l_s = 2.0f / s + 2.0f * t / dn - 2.0f * (1.0f - 2.0f * t) / den;
    const float l_d0 = omx * omx / dn - 2.0f * t / den;
    const float l_d1 = xi * xi / dn - 2.0f * t / den;
    const float g_xi = g * q_xi + gl * l_xi;
    const float g_s = g * q_s + gl * l_s;
    // Through xi = (x - x0)/w, s = h/w, w = x1 - x0, h = y1 - y0.
    const float g_h = g * q_h + g_s / w;
    const float g_w = -(g_s * s + g_xi * xi) / w;
    dx[i] = inside ? g_xi / w : g;
    spline_logit_grad(p, dp, K, bound, min_w, bin, -g_xi / w - g_w, g_w, inside);
    spline_logit_grad(p + K, dp + K, K, bound, min_h, bin, g - g_h, g_h, inside);
    for (int j = 1; j < K; ++j) {
        const float gd = j == bin ? g * q_d0 + gl * l_d0 : (j == bin + 1 ? g * q_d1 + gl * l_d1 : 0.0f);
        dp[2 * K + j - 1] = inside ? gd * stable_sigmoid(p[2 * K + j - 1]) : 0.0f;
    }
}
