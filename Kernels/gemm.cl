// gemm.cl: C = act(alpha * op(A) * op(B) + beta * C (+ bias)), row-major, batched by
// GLOBAL_ID(2); lda/ldb/ldc and the offsets address blocks inside larger matrices, and act is
// the identity or a ReLU (activation 1). hasBias 1 adds bias[n] to each column, 2 adds bias[m]
// to each row (the pointwise convolution's per-channel bias).
// Tuning: GEMM_TSM x GEMM_TSN tile per work-group, staged GEMM_TSK deep in local memory; each
// work-item computes GEMM_WPTM x GEMM_WPTN outputs, so the local size is
// (GEMM_TSN / GEMM_WPTN, GEMM_TSM / GEMM_WPTM). Four variants (NN, NT, TN, TT) differ only in
// how a tile is loaded; the load order is chosen so neighbouring work-items read neighbouring
// addresses for every variant.
// Vector loads: bit 0 of `vectorLoads` says A's layout allows 4-float loads along its contiguous
// index (lda and offsetA multiples of 4, and strideA when batched), bit 1 the same for B; the
// host decides (GemmSpec.kernelVectorLoads).
// A tile that lies wholly inside the matrix is then staged with VLOAD4, one load for four
// elements; edge tiles keep the bounds-checked scalar loads. Both stage the same values, so the
// product is bit-identical either way.

#define RTSM (GEMM_TSM / GEMM_WPTM)
#define RTSN (GEMM_TSN / GEMM_WPTN)
#define LOADS_A ((GEMM_TSM * GEMM_TSK) / (RTSM * RTSN))
#define LOADS_B ((GEMM_TSK * GEMM_TSN) / (RTSM * RTSN))
// Quads staged per work-item; 0 when a tuning leaves a work-item a count not divisible by 4
// (the scalar path then stages every tile).
#define QUADS_A ((LOADS_A % 4 == 0 && GEMM_TSM % 4 == 0 && GEMM_TSK % 4 == 0) ? LOADS_A / 4 : 0)
#define QUADS_B ((LOADS_B % 4 == 0 && GEMM_TSN % 4 == 0 && GEMM_TSK % 4 == 0) ? LOADS_B / 4 : 0)

// Element (m, k) of A and (k, n) of B for each storage order.
#define A_NOTRANS(m, k) ((m) * lda + (k))
#define A_TRANS(m, k) ((k) * lda + (m))
#define B_NOTRANS(k, n) ((k) * ldb + (n))
#define B_TRANS(k, n) ((n) * ldb + (k))

// A_M_FAST: the m index is A's contiguous one (A stored k-major, i.e. transposed), so it varies
// fastest between work-items; B_N_FAST likewise for n.
#define GEMM_KERNEL(NAME, A_AT, B_AT, A_M_FAST, B_N_FAST)                                              \
KERNEL void NAME(const int M, const int N, const int K, const float alpha, const float beta,           \
                 GLOBAL const float* A, const int strideA, GLOBAL const float* B, const int strideB,    \
                 GLOBAL float* C, const int strideC, GLOBAL const float* bias, const int hasBias,       \
                 const int lda, const int ldb, const int ldc, const int offsetA, const int offsetB,     \
                 const int offsetC, const int offsetBias, const int activation, const int vectorLoads) { \
    const int tidn = LOCAL_ID(0);                                                                     \
    const int tidm = LOCAL_ID(1);                                                                     \
    const int tid = tidm * RTSN + tidn;                                                               \
    const int offsetN = GROUP_ID(0) * GEMM_TSN;                                                       \
    const int offsetM = GROUP_ID(1) * GEMM_TSM;                                                       \
    const int batch = GLOBAL_ID(2);                                                                   \
    A += offsetA + batch * strideA;                                                                   \
    B += offsetB + batch * strideB;                                                                   \
    C += offsetC + batch * strideC;                                                                   \
    LOCAL_ARRAY float Asub[GEMM_TSK][GEMM_TSM];                                                       \
    LOCAL_ARRAY float Bsub[GEMM_TSK][GEMM_TSN];                                                       \
    float acc[GEMM_WPTM][GEMM_WPTN];                                                                  \
    for (int wm = 0; wm < GEMM_WPTM; wm++)                                                            \
        for (int wn = 0; wn < GEMM_WPTN; wn++) acc[wm][wn] = 0.0f;                                    \
    for (int t = 0; t < K; t += GEMM_TSK) {                                                           \
        if (QUADS_A > 0 && (vectorLoads & 1) && offsetM + GEMM_TSM <= M && t + GEMM_TSK <= K) {         \
            /* Quads run along A's contiguous index; (dm, dk) steps from one element to the next. */ \
            const int fast = (A_M_FAST ? GEMM_TSM : GEMM_TSK) / 4;                                    \
            const int dm = A_M_FAST ? 1 : 0;                                                          \
            const int dk = 1 - dm;                                                                    \
            for (int l = 0; l < QUADS_A; l++) {                                                       \
                const int q = l * RTSM * RTSN + tid;                                                  \
                const int mm = A_M_FAST ? (q % fast) * 4 : q / fast;                                  \
                const int kk = A_M_FAST ? q / fast : (q % fast) * 4;                                  \
                const float4 v = VLOAD4(A + A_AT(offsetM + mm, t + kk));                              \
                Asub[kk][mm] = v.x;                                                                   \
                Asub[kk + dk][mm + dm] = v.y;                                                         \
                Asub[kk + 2 * dk][mm + 2 * dm] = v.z;                                                 \
                Asub[kk + 3 * dk][mm + 3 * dm] = v.w;                                                 \
            }                                                                                         \
        } else {                                                                                      \
            for (int l = 0; l < LOADS_A; l++) {                                                       \
                const int id = l * RTSM * RTSN + tid;                                                 \
                const int mm = A_M_FAST ? id % GEMM_TSM : id / GEMM_TSK;                              \
                const int kk = A_M_FAST ? id / GEMM_TSM : id % GEMM_TSK;                              \
                const int gm = offsetM + mm;                                                          \
                const int gk = t + kk;                                                                \
                Asub[kk][mm] = (gm < M && gk < K) ? A[A_AT(gm, gk)] : 0.0f;                           \
            }                                                                                         \
        }                                                                                             \
        if (QUADS_B > 0 && (vectorLoads & 2) && offsetN + GEMM_TSN <= N && t + GEMM_TSK <= K) {         \
            const int fast = (B_N_FAST ? GEMM_TSN : GEMM_TSK) / 4;                                    \
            const int dn = B_N_FAST ? 1 : 0;                                                          \
            const int dk = 1 - dn;                                                                    \
            for (int l = 0; l < QUADS_B; l++) {                                                       \
                const int q = l * RTSM * RTSN + tid;                                                  \
                const int nn = B_N_FAST ? (q % fast) * 4 : q / fast;                                  \
                const int kk = B_N_FAST ? q / fast : (q % fast) * 4;                                  \
                const float4 v = VLOAD4(B + B_AT(t + kk, offsetN + nn));                              \
                Bsub[kk][nn] = v.x;                                                                   \
                Bsub[kk + dk][nn + dn] = v.y;                                                         \
                Bsub[kk + 2 * dk][nn + 2 * dn] = v.z;                                                 \
                Bsub[kk + 3 * dk][nn + 3 * dn] = v.w;                                                 \
            }                                                                                         \
        } else {                                                                                      \
            for (int l = 0; l < LOADS_B; l++) {                                                       \
                const int id = l * RTSM * RTSN + tid;                                                 \
                const int nn = B_N_FAST ? id % GEMM_TSN : id / GEMM_TSK;                              \
                const int kk = B_N_FAST ? id / GEMM_TSN : id % GEMM_TSK;                              \
                const int gn = offsetN + nn;                                                          \
                const int gk = t + kk;                                                                \
                Bsub[kk][nn] = (gn < N && gk < K) ? B[B_AT(gk, gn)] : 0.0f;                           \
            }                                                                                         \
        }                                                                                             \
        BARRIER();                                                                                    \
        for (int k = 0; k < GEMM_TSK; k++) {                                                          \
            float breg[GEMM_WPTN];                                                                    \
            for (int wn = 0; wn < GEMM_WPTN; wn++) breg[wn] = Bsub[k][tidn + wn * RTSN];              \
            for (int wm = 0; wm < GEMM_WPTM; wm++) {                                                  \
                const float a = Asub[k][tidm + wm * RTSM];                                            \
                for (int wn = 0; wn < GEMM_WPTN; wn++) acc[wm][wn] += a * breg[wn];                   \
            }                                                                                         \
        }                                                                                             \
        BARRIER();                                                                                    \
    }                                                                                                 \
    for (int wm = 0; wm < GEMM_WPTM; wm++) {                                                          \
        const int gm = offsetM + tidm + wm * RTSM;                                                    \
        if (gm >= M) continue;                                                                        \
        for (int wn = 0; wn < GEMM_WPTN; wn++) {                                                      \
            const int gn = offsetN + tidn + wn * RTSN;                                                \
            if (gn >= N) continue;                                                                    \
            float v = alpha * acc[wm][wn];                                                            \
            if (beta != 0.0f) v += beta * C[gm * ldc + gn];                                           \
            if (hasBias == 1) v += bias[offsetBias + gn];                                             \
            else if (hasBias == 2) v += bias[offsetBias + gm];                                        \
            if (activation == 1) v = fmax(v, 0.0f);                                                   \
            C[gm * ldc + gn] = v;                                                                     \
        }                                                                                             \
    }                                                                                                 \
}

// A is M x K (NoTrans) or K x M (Trans); B is K x N (NoTrans) or N x K (Trans).
GEMM_KERNEL(gemm_nn, A_NOTRANS, B_NOTRANS, 0, 1)
GEMM_KERNEL(gemm_nt, A_NOTRANS, B_TRANS, 0, 0)
GEMM_KERNEL(gemm_tn, A_TRANS, B_NOTRANS, 1, 1)
GEMM_KERNEL(gemm_tt, A_TRANS, B_TRANS, 1, 0)
