// conv.cl: stride-1 NCHW convolution as im2col + gemm (gemm.cl) over the whole batch.
// The patch matrix is col[K = C*kh*kw][B*H*W]; the product with the weights [O][K] is
// channel-major z[O][B*H*W], which conv_from_channel_major turns into NCHW (adding the bias).
// The backward pass uses the adjoints: conv_to_channel_major, a gemm, and conv_col2im written as
// a gather so every input element is summed by one work-item in a fixed order.
// Geometry arguments, in this order everywhere: B, C, H, W, KH, KW, DH, DW, PT, PL.

#define GEOMETRY_ARGS const int B, const int C, const int H, const int W, const int KH, const int KW, \
                      const int DH, const int DW, const int PT, const int PL

// One work-item per element of col.
KERNEL void conv_im2col(GEOMETRY_ARGS, GLOBAL const float* input, GLOBAL float* col) {
    const int columns = B * H * W;
    const int index = GLOBAL_ID(0);
    if (index >= C * KH * KW * columns) return;
    const int row = index / columns;
    const int column = index % columns;
    const int c = row / (KH * KW);
    const int tap = row % (KH * KW);
    const int b = column / (H * W);
    const int p = column % (H * W);
    const int y = p / W + (tap / KW) * DH - PT;
    const int x = p % W + (tap % KW) * DW - PL;
    col[index] = (y >= 0 && y < H && x >= 0 && x < W) ? input[((b * C + c) * H + y) * W + x] : 0.0f;
}

// One work-item per input element: sums the patch entries that read it, tap by tap.
KERNEL void conv_col2im(GEOMETRY_ARGS, GLOBAL const float* col, GLOBAL float* input) {
    const int index = GLOBAL_ID(0);
    if (index >= B * C * H * W) return;
    const int columns = B * H * W;
    const int x = index % W;
    const int y = (index / W) % H;
    const int c = (index / (H * W)) % C;
    const int b = index / (C * H * W);
    float total = 0.0f;
    for (int tap = 0; tap < KH * KW; tap++) {
        const int outY = y - (tap / KW) * DH + PT;
        const int outX = x - (tap % KW) * DW + PL;
        if (outY >= 0 && outY < H && outX >= 0 && outX < W)
            total += col[(c * KH * KW + tap) * columns + b * H * W + outY * W + outX];
    }
    input[index] = total;
}

// z[O][B*P] -> y[B][O][P] (+ bias[o]); one work-item per element of y.
KERNEL void conv_from_channel_major(const int B, const int O, const int P, GLOBAL const float* z,
                                    GLOBAL const float* bias, const int hasBias, GLOBAL float* y) {
    const int index = GLOBAL_ID(0);
    if (index >= B * O * P) return;
    const int p = index % P;
    const int o = (index / P) % O;
    const int b = index / (O * P);
    y[index] = z[o * B * P + b * P + p] + (hasBias ? bias[o] : 0.0f);
}

// y[B][O][P] -> z[O][B*P]; one work-item per element of z.
KERNEL void conv_to_channel_major(const int B, const int O, const int P, GLOBAL const float* y,
                                  GLOBAL float* z) {
    const int index = GLOBAL_ID(0);
    if (index >= B * O * P) return;
    const int o = index / (B * P);
    const int b = (index / P) % B;
    const int p = index % P;
    z[index] = y[(b * O + o) * P + p];
}
