// channel.cl: per-channel ops over an [outer][mid][inner] view (channels = mid): ActNorm's affine
// map and PReLU. Data gradients are elementwise; parameter gradients use one work-group per
// channel with a fixed-order tree sum (deterministic, no atomics).

// Forward y = (x - loc) * exp(-logScale); inverse y = x * exp(logScale) + loc.
KERNEL void actnorm_fwd(const int n, const int mid, const int inner, const int inverse,
                        GLOBAL const float* x, GLOBAL const float* loc, GLOBAL const float* logScale,
                        GLOBAL float* y) {
    const int i = GLOBAL_ID(0);
    if (i >= n) return;
    const int c = (i / inner) % mid;
    y[i] = inverse ? x[i] * exp(logScale[c]) + loc[c] : (x[i] - loc[c]) * exp(-logScale[c]);
}

KERNEL void actnorm_bwd_data(const int n, const int mid, const int inner, GLOBAL const float* logScale,
                             GLOBAL const float* dy, GLOBAL float* dx) {
    const int i = GLOBAL_ID(0);
    if (i < n) dx[i] = dy[i] * exp(-logScale[(i / inner) % mid]);
}

// dloc[c] = -exp(-s_c) * sum dy;  dlogScale[c] = -sum dy * y - inner * sum_o dlogdet[o].
KERNEL void actnorm_bwd_params(const int outer, const int mid, const int inner,
                               GLOBAL const float* x, GLOBAL const float* loc, GLOBAL const float* logScale,
                               GLOBAL const float* dy, GLOBAL const float* dlogdet,
                               GLOBAL float* dloc, GLOBAL float* dlogScale) {
    LOCAL_ARRAY float scratch[WGS];
    const int c = GROUP_ID(0);
    const float factor = exp(-logScale[c]);
    float sumDy = 0.0f, sumDyY = 0.0f, sumLogDet = 0.0f;
    for (int e = LOCAL_ID(0); e < outer * inner; e += LOCAL_SIZE(0)) {
        const int i = ((e / inner) * mid + c) * inner + e % inner;
        sumDy += dy[i];
        sumDyY += dy[i] * (x[i] - loc[c]) * factor;
    }
    for (int o = LOCAL_ID(0); o < outer; o += LOCAL_SIZE(0)) sumLogDet += dlogdet[o];
    const float totalDy = group_sum(scratch, sumDy);
    const float totalDyY = group_sum(scratch, sumDyY);
    const float totalLogDet = group_sum(scratch, sumLogDet);
    if (LOCAL_ID(0) == 0) {
        dloc[c] = -totalDy * factor;
        dlogScale[c] = -totalDyY - (float)inner * totalLogDet;
    }
}

KERNEL void prelu_fwd(const int n, const int mid, const int inner, GLOBAL const float* x,
                      GLOBAL const float* slope, GLOBAL float* y) {
    const int i = GLOBAL_ID(0);
    if (i >= n) return;
    const float v = x[i];
    y[i] = v >= 0.0f ? v : slope[(i / inner) % mid] * v;
}

KERNEL void prelu_bwd_data(const int n, const int mid, const int inner, GLOBAL const float* x,
                           GLOBAL const float* slope, GLOBAL const float* dy, GLOBAL float* dx) {
    const int i = GLOBAL_ID(0);
    if (i >= n) return;
    dx[i] = x[i] >= 0.0f ? dy[i] : slope[(i / inner) % mid] * dy[i];
}

// dslope[c] = sum over x < 0 of dy * x.
KERNEL void prelu_bwd_slope(const int outer, const int mid, const int inner, GLOBAL const float* x,
                            GLOBAL const float* dy, GLOBAL float* dslope) {
    LOCAL_ARRAY float scratch[WGS];
    const int c = GROUP_ID(0);
    float partial = 0.0f;
    for (int e = LOCAL_ID(0); e < outer * inner; e += LOCAL_SIZE(0)) {
        const int i = ((e / inner) * mid + c) * inner + e % inner;
        if (x[i] < 0.0f) partial += dy[i] * x[i];
    }
    const float total = group_sum(scratch, partial);
    if (LOCAL_ID(0) == 0) dslope[c] = total;
}
