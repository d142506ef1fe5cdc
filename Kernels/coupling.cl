// coupling.cl: fused affine coupling y = x*s(h) + t (order 0) or y = (x - t)*s(h) (order 1, Glow),
// with the bounded scales s = exp(tanh h) (kind 0) or s = sigmoid(h + 2) (kind 1).
// coupling_fwd runs one work-group per sample (row): each work-item transforms a strided subset
// of the row and the group sums log s in a fixed tree order into logdet[row].
// coupling_bwd is elementwise.

// s, log s and d(log s)/dh for raw scale h.
INLINE float3 coupling_scale(const int kind, const float h) {
    if (kind == 0) {
        const float a = tanh(h);
        return make_float3(exp(a), a, 1.0f - a * a);
    }
    const float z = h + 2.0f;
    const float s = stable_sigmoid(z);
    return make_float3(s, -stable_softplus(-z), 1.0f - s);
}

KERNEL void coupling_fwd(const int rows, const int columns, const int kind, const int order, const int inverse,
                         GLOBAL const float* x, GLOBAL const float* t, GLOBAL const float* h,
                         GLOBAL float* y, GLOBAL float* logdet) {
    LOCAL_ARRAY float scratch[WGS];
    const int row = GROUP_ID(0);
    float partial = 0.0f;
    for (int j = LOCAL_ID(0); j < columns; j += LOCAL_SIZE(0)) {
        const int i = row * columns + j;
        const float3 scale = coupling_scale(kind, h[i]);
        partial += scale.y;
        if (order == 0) y[i] = inverse ? (x[i] - t[i]) / scale.x : x[i] * scale.x + t[i];
        else            y[i] = inverse ? x[i] / scale.x + t[i] : (x[i] - t[i]) * scale.x;
    }
    const float total = group_sum(scratch, partial);
    if (LOCAL_ID(0) == 0) logdet[row] = inverse ? -total : total;
}

KERNEL void coupling_bwd(const int rows, const int columns, const int kind, const int order,
                         GLOBAL const float* x, GLOBAL const float* t, GLOBAL const float* h,
                         GLOBAL const float* dy, GLOBAL const float* dlogdet,
                         GLOBAL float* dx, GLOBAL float* dt, GLOBAL float* dh) {
    const int i = GLOBAL_ID(0);
    if (i >= rows * columns) return;
    const float3 scale = coupling_scale(kind, h[i]);
    const float g = dy[i];
    const float u = order == 0 ? x[i] : x[i] - t[i];
    dx[i] = g * scale.x;
    dt[i] = order == 0 ? g : -g * scale.x;
    dh[i] = (g * u * scale.x + dlogdet[i / columns]) * scale.z;
}

// The vector coupling with an MLP conditioner as one op (Tensor.mlpAffineCoupling): the MLP's
// layers are gemm launches, and these four kernels replace the gathers, splits, concatenations
// and the coupling around them. `order` lists the kept columns of x, then the transformed ones;
// a conditioner output row holds the transformed columns' shifts, then their raw scales
// (shift_first), or the raw scales first.

// The MLP's input, [rows, kept + context_features]: the kept columns of x in order, then the context.
KERNEL void mlp_coupling_gather(const int rows, const int features, const int kept, const int context_features,
                                GLOBAL const int* order, GLOBAL const float* x, GLOBAL const float* context,
                                GLOBAL float* input) {
    const int width = kept + context_features;
    const int i = GLOBAL_ID(0);
    if (i >= rows * width) return;
    const int row = i / width;
    const int q = i - row * width;
    input[i] = q < kept ? x[row * features + order[q]] : context[row * context_features + (q - kept)];
}

// One work-group per row: kept columns copied, transformed ones coupled, log s summed in tree
// order with transformed column j in slot j, as coupling_fwd sums a row of `transformed` columns.
KERNEL void mlp_coupling_fwd(const int rows, const int features, const int kept, const int kind, const int coupling_order,
                             const int inverse, const int shift_first, GLOBAL const int* order, GLOBAL const float* x,
                             GLOBAL const float* params, GLOBAL float* y, GLOBAL float* logdet) {
    LOCAL_ARRAY float scratch[WGS];
    const int row = GROUP_ID(0);
    const int transformed = features - kept;
    const int base = row * 2 * transformed;
    for (int q = LOCAL_ID(0); q < kept; q += LOCAL_SIZE(0)) {
        const int i = row * features + order[q];
        y[i] = x[i];
    }
    float partial = 0.0f;
    for (int j = LOCAL_ID(0); j < transformed; j += LOCAL_SIZE(0)) {
        const int i = row * features + order[kept + j];
        const float t = params[base + (shift_first ? j : transformed + j)];
        const float3 scale = coupling_scale(kind, params[base + (shift_first ? transformed + j : j)]);
        partial += scale.y;
        if (coupling_order == 0) y[i] = inverse ? (x[i] - t) / scale.x : x[i] * scale.x + t;
        else                     y[i] = inverse ? x[i] / scale.x + t : (x[i] - t) * scale.x;
    }
    const float total = group_sum(scratch, partial);
    if (LOCAL_ID(0) == 0) logdet[row] = inverse ? -total : total;
}

// Elementwise over rows × features: dx of the kept columns starts as dy (the MLP's share is added
// by mlp_coupling_scatter); the transformed columns give dx and the conditioner output's gradient.
KERNEL void mlp_coupling_bwd(const int rows, const int features, const int kept, const int kind, const int coupling_order,
                             const int shift_first, GLOBAL const int* order, GLOBAL const float* x,
                             GLOBAL const float* params, GLOBAL const float* dy, GLOBAL const float* dlogdet,
                             GLOBAL float* dx, GLOBAL float* dparams) {
    const int index = GLOBAL_ID(0);
    if (index >= rows * features) return;
    const int row = index / features;
    const int q = index - row * features;
    const int i = row * features + order[q];
    if (q < kept) {
        dx[i] = dy[i];
        return;
    }
    const int transformed = features - kept;
    const int j = q - kept;
    const int base = row * 2 * transformed;
    const int shift_at = base + (shift_first ? j : transformed + j);
    const int raw_at = base + (shift_first ? transformed + j : j);
    const float3 scale = coupling_scale(kind, params[raw_at]);
    const float g = dy[i];
    const float u = coupling_order == 0 ? x[i] : x[i] - params[shift_at];
    dx[i] = g * scale.x;
    dparams[shift_at] = coupling_order == 0 ? g : -g * scale.x;
    dparams[raw_at] = (g * u * scale.x + dlogdet[row]) * scale.z;
}

// Elementwise over the MLP input's gradient: added to the kept columns of dx, or the context's.
KERNEL void mlp_coupling_scatter(const int rows, const int features, const int kept, const int context_features,
                                 GLOBAL const int* order, GLOBAL const float* dinput, GLOBAL float* dx,
                                 GLOBAL float* dcontext) {
    const int width = kept + context_features;
    const int i = GLOBAL_ID(0);
    if (i >= rows * width) return;
    const int row = i / width;
    const int q = i - row * width;
    if (q < kept) dx[row * features + order[q]] += dinput[i];
    else dcontext[row * context_features + (q - kept)] = dinput[i];
}

// ---- Affine coupling on channels (ChannelCouplingCapable): x and y are [B, C, positions], the
// transformed channels are [transformedStart, transformedStart + transformed), and h is
// [B, 2·transformed, positions] with piece k of transformed channel j at channel
// channel_piece(k, j); the shift is piece shiftPiece, the raw scale the other one. Same
// arithmetic as coupling_fwd/coupling_bwd, read straight from the whole tensors.
INLINE int channel_piece(const int interleaved, const int transformed, const int piece, const int j) {
    return interleaved ? 2 * j + piece : piece * transformed + j;
}

// One work-group per sample: kept channels copied, the others coupled, the log-det summed in a
// fixed tree order.
KERNEL void channel_coupling_fwd(const int channels, const int positions, const int transformedStart, const int transformed,
                                 const int interleaved, const int shiftPiece, const int kind, const int order, const int inverse,
                                 GLOBAL const float* x, GLOBAL const float* h, GLOBAL float* y, GLOBAL float* logdet) {
    LOCAL_ARRAY float scratch[WGS];
    const int b = GROUP_ID(0);
    const int perSample = channels * positions;
    float partial = 0.0f;
    for (int e = LOCAL_ID(0); e < perSample; e += LOCAL_SIZE(0)) {
        const int i = b * perSample + e;
        const int j = e / positions - transformedStart;
        if (j < 0 || j >= transformed) {
            y[i] = x[i];
            continue;
        }
        const int hBase = b * 2 * transformed * positions + e % positions;
        const float t = h[hBase + channel_piece(interleaved, transformed, shiftPiece, j) * positions];
        const float3 scale = coupling_scale(kind, h[hBase + channel_piece(interleaved, transformed, 1 - shiftPiece, j) * positions]);
        partial += scale.y;
        if (order == 0) y[i] = inverse ? (x[i] - t) / scale.x : x[i] * scale.x + t;
        else            y[i] = inverse ? x[i] / scale.x + t : (x[i] - t) * scale.x;
    }
    const float total = group_sum(scratch, partial);
    if (LOCAL_ID(0) == 0) logdet[b] = inverse ? -total : total;
}

// One item per element of x: kept channels pass dy through; a transformed one writes dx and the
// two channels of dh it was computed from (each entry of dh is written by exactly one item).
KERNEL void channel_coupling_bwd(const int batch, const int channels, const int positions, const int transformedStart,
                                 const int transformed, const int interleaved, const int shiftPiece, const int kind,
                                 const int order, GLOBAL const float* x, GLOBAL const float* h, GLOBAL const float* dy,
                                 GLOBAL const float* dlogdet, GLOBAL float* dx, GLOBAL float* dh) {
    const int i = GLOBAL_ID(0);
    const int perSample = channels * positions;
    if (i >= batch * perSample) return;
    const int b = i / perSample;
    const int e = i % perSample;
    const int j = e / positions - transformedStart;
    if (j < 0 || j >= transformed) {
        dx[i] = dy[i];
        return;
    }
    const int hBase = b * 2 * transformed * positions + e % positions;
    const int ti = hBase + channel_piece(interleaved, transformed, shiftPiece, j) * positions;
    const int si = hBase + channel_piece(interleaved, transformed, 1 - shiftPiece, j) * positions;
    const float3 scale = coupling_scale(kind, h[si]);
    const float g = dy[i];
    const float u = order == 0 ? x[i] : x[i] - h[ti];
    dx[i] = g * scale.x;
    dh[ti] = order == 0 ? g : -g * scale.x;
    dh[si] = (g * u * scale.x + dlogdet[b]) * scale.z;
}

// dx[:, keptStart + c] += gradKept[:, c]: the conditioner's share of the kept channels' gradient.
KERNEL void channel_coupling_add_kept(const int batch, const int channels, const int positions, const int keptStart,
                                      const int kept, GLOBAL const float* gradKept, GLOBAL float* dx) {
    const int i = GLOBAL_ID(0);
    const int perSample = kept * positions;
    if (i >= batch * perSample) return;
    const int b = i / perSample;
    const int r = i % perSample;
    dx[(b * channels + keptStart) * positions + r] += gradKept[i];
}
