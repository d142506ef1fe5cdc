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

// Glow's LU-parametrised 1×1-convolution weight (LUWeightCapable): W = P·(L + I)·(U + diag d) with
// d = signs ⊙ exp(logS), P[rowOrder[i]][i] = 1 and rowSource its inverse, so row q of P·(L + I)
// is row rowSource[q] of L + I. Items 0..C·C−1 each write one W[q][j], summing k = 0..min(i, j)
// in order (the other terms are zero); items C·C.. write logDet[b] = logDetScale · Σ logS.
INLINE float lu_lower_unit(GLOBAL const float* lower, const int channels, const int row, const int column) {
    return column < row ? lower[row * channels + column] : (column == row ? 1.0f : 0.0f);
}

INLINE float lu_upper_full(GLOBAL const float* upper, GLOBAL const float* logS, GLOBAL const float* signs,
                           const int channels, const int row, const int column) {
    return column > row ? upper[row * channels + column] : (column == row ? signs[row] * exp(logS[row]) : 0.0f);
}

KERNEL void lu_weight(const int channels, const int batch, const float logDetScale, GLOBAL const float* lower,
                      GLOBAL const float* upper, GLOBAL const float* logS, GLOBAL const float* signs,
                      GLOBAL const int* rowSource, GLOBAL float* weight, GLOBAL float* logDet) {
    const int index = GLOBAL_ID(0);
    const int cells = channels * channels;
    if (index < cells) {
        const int q = index / channels;
        const int j = index % channels;
        const int i = rowSource[q];
        const int last = i < j ? i : j;
        float acc = 0.0f;
        for (int k = 0; k <= last; k++)
            acc += lu_lower_unit(lower, channels, i, k) * lu_upper_full(upper, logS, signs, channels, k, j);
        weight[index] = acc;
    } else if (index < cells + batch) {
        float total = 0.0f;
        for (int k = 0; k < channels; k++) total += logS[k];
        logDet[index - cells] = logDetScale * total;
    }
}

// Its backward, with G = ∂L/∂W, one item per (i, j):
//   j < i: ∂L[i][j] = Σ_{n ≥ j} G[rowOrder[i]][n] · (U + diag d)[j][n]        ((Pᵀ G (U + diag d)ᵀ)[i][j])
//   j ≥ i: A = Σ_{m ≥ i} (L + I)[m][i] · G[rowOrder[m]][j]                    (((P (L + I))ᵀ G)[i][j])
//          ∂U[i][j] = A for j > i; ∂logS[i] = A · d[i] + logDetScale · Σ_b ∂L/∂logDet[b] for j = i.
// Entries outside each triangle get 0.
KERNEL void lu_weight_bwd(const int channels, const int batch, const float logDetScale, GLOBAL const float* lower,
                          GLOBAL const float* upper, GLOBAL const float* logS, GLOBAL const float* signs,
                          GLOBAL const int* rowOrder, GLOBAL const float* gradWeight, GLOBAL const float* gradLogDet,
                          GLOBAL float* gradLower, GLOBAL float* gradUpper, GLOBAL float* gradLogS) {
    const int index = GLOBAL_ID(0);
    if (index >= channels * channels) return;
    const int i = index / channels;
    const int j = index % channels;
    float acc = 0.0f;
    if (j < i) {
        const int row = rowOrder[i];
        for (int n = j; n < channels; n++)
            acc += gradWeight[row * channels + n] * lu_upper_full(upper, logS, signs, channels, j, n);
        gradLower[index] = acc;
        gradUpper[index] = 0.0f;
        return;
    }
    for (int m = i; m < channels; m++)
        acc += lu_lower_unit(lower, channels, m, i) * gradWeight[rowOrder[m] * channels + j];
    gradLower[index] = 0.0f;
    if (j > i) {
        gradUpper[index] = acc;
        return;
    }
    gradUpper[index] = 0.0f;
    float total = 0.0f;
    for (int b = 0; b < batch; b++) total += gradLogDet[b];
    gradLogS[i] = acc * (signs[i] * exp(logS[i])) + logDetScale * total;
}
