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
