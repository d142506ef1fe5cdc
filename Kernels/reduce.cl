// reduce.cl: deterministic sums. One work-group per output; work-items stride over the inputs and
// combine with group_sum's fixed tree, never with atomics. Local size: a power of two <= WGS.

// out[m] = sum over o, i of f(x[(o * mid + m) * inner + i]), f = identity or square.
KERNEL void reduce_sum(const int outer, const int mid, const int inner, const int squared,
                       GLOBAL const float* x, GLOBAL float* out) {
    LOCAL_ARRAY float scratch[WGS];
    const int m = GROUP_ID(0);
    const int n = outer * inner;
    float partial = 0.0f;
    for (int e = LOCAL_ID(0); e < n; e += LOCAL_SIZE(0)) {
        const float v = x[((e / inner) * mid + m) * inner + e % inner];
        partial += squared ? v * v : v;
    }
    const float total = group_sum(scratch, partial);
    if (LOCAL_ID(0) == 0) out[m] = total;
}

// out[r] = -0.5 * sum_j x[r, j]^2 - columns/2 * log(2 pi).
KERNEL void normal_log_prob(const int rows, const int columns, GLOBAL const float* x, GLOBAL float* out) {
    LOCAL_ARRAY float scratch[WGS];
    const int r = GROUP_ID(0);
    float partial = 0.0f;
    for (int j = LOCAL_ID(0); j < columns; j += LOCAL_SIZE(0)) {
        const float v = x[r * columns + j];
        partial += v * v;
    }
    const float total = group_sum(scratch, partial);
    if (LOCAL_ID(0) == 0) out[r] = -0.5f * total - 0.91893853320467274f * (float)columns;
}
