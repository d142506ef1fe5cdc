// layout.cl: data movement along axis 1 (features or channels): slab copies (concat / split),
// 2x2 squeeze and its inverse, and gathers by an index list (permutations).

// dst[o][dstStart + j][i] = src[o][srcStart + j][i] for j < length.
KERNEL void copy_slab(const int outer, const int inner, const int length,
                      GLOBAL const float* src, const int srcMid, const int srcStart,
                      GLOBAL float* dst, const int dstMid, const int dstStart) {
    const int index = GLOBAL_ID(0);
    if (index >= outer * length * inner) return;
    const int i = index % inner;
    const int j = (index / inner) % length;
    const int o = index / (inner * length);
    dst[(o * dstMid + dstStart + j) * inner + i] = src[(o * srcMid + srcStart + j) * inner + i];
}

// One work-item per element of the unsqueezed [B][C][H][W] tensor u; s is [B][4C][H/2][W/2]:
// s[b][4c + 2dy + dx][i][j] = u[b][c][2i + dy][2j + dx].
KERNEL void squeeze2x2(const int B, const int C, const int H, const int W, const int inverse,
                       GLOBAL const float* x, GLOBAL float* y) {
    const int index = GLOBAL_ID(0);
    if (index >= B * C * H * W) return;
    const int col = index % W;
    const int row = (index / W) % H;
    const int c = (index / (H * W)) % C;
    const int b = index / (C * H * W);
    const int squeezed = (((b * 4 * C) + 4 * c + 2 * (row % 2) + col % 2) * (H / 2) + row / 2) * (W / 2) + col / 2;
    if (inverse) y[index] = x[squeezed];
    else y[squeezed] = x[index];
}

// y[o][j][i] = x[o][indices[j]][i].
KERNEL void gather_mid(const int outer, const int mid, const int inner, GLOBAL const float* x,
                       GLOBAL const int* indices, GLOBAL float* y) {
    const int index = GLOBAL_ID(0);
    if (index >= outer * mid * inner) return;
    const int i = index % inner;
    const int j = (index / inner) % mid;
    const int o = index / (inner * mid);
    y[index] = x[(o * mid + indices[j]) * inner + i];
}

// y[i][j] = x[rows[i]][columns[j]], or 0 where the mask (when given) is 0. A select, not a
// product, so entries of x that the mask drops may hold anything.
KERNEL void permute_matrix(const int rows, const int columns, GLOBAL const float* x, GLOBAL const int* row_indices,
                           GLOBAL const int* column_indices, GLOBAL const float* mask, const int has_mask,
                           GLOBAL float* y) {
    const int index = GLOBAL_ID(0);
    if (index >= rows * columns) return;
    const int i = index / columns;
    const int j = index % columns;
    const float value = x[row_indices[i] * columns + column_indices[j]];
    y[index] = (has_mask && mask[index] == 0.0f) ? 0.0f : value;
}
