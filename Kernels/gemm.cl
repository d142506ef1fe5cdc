// gemm.cl: C = act(alpha * op(A) * op(B) + beta * C (+ bias[n])), row-major, batched by
// GLOBAL_ID(2); lda/ldb/ldc and the offsets address blocks inside larger matrices, and act is
// the identity or a ReLU (activation 1).
// Tuning: GEMM_TSM x GEMM_TSN tile per work-group, staged GEMM_TSK deep in local memory; each
// work-item computes GEMM_WPTM x GEMM_WPTN outputs, so the local size is
// (GEMM_TSN / GEMM_WPTN, GEMM_TSM / GEMM_WPTM). Four variants (NN, NT, TN, TT) differ only in
// how a tile is loaded; the load order is chosen so neighbouring work-items read neighbouring
// addresses for every variant.

#define RTSM (GEMM_TSM / GEMM_WPTM)
#define RTSN (GEMM_TSN / GEMM_WPTN)
#define LOADS_A ((GEMM_TSM * GEMM_TSK) / (RTSM * RTSN))
#define LOADS_B ((GEMM_TSK * GEMM_TSN) / (RTSM * RTSN))

// A_ROW_FAST: the m index varies fastest between work-items (A stored k-major, i.e. transposed).
#define GEMM_KERNEL(NAME, LOAD_A, LOAD_B, A_M_FAST, B_N_FAST)                                          \
KERNEL void NAME(const int M, const int N, const int K, const float alpha, const float beta,           \
                 GLOBAL const float* A, const int strideA, GLOBAL const float* B, const int strideB,    \
                 GLOBAL float* C, const int strideC, GLOBAL const float* bias, const int hasBias,       \
                 const int lda, const int ldb, const int ldc, const int offsetA, const int offsetB,     \
                 const int offsetC, const int offsetBias, const int activation) {                       \
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
        for (int l = 0; l < LOADS_A; l++) {                                                           \
            const int id = l * RTSM * RTSN + tid;                                                     \
            const int mm = A_M_FAST ? id % GEMM_TSM : id / GEMM_TSK;                                  \
            const int kk = A_M_FAST ? id / GEMM_TSM : id % GEMM_TSK;                                  \
            const int gm = offsetM + mm;                                                              \
            const int gk = t + kk;                                                                    \
            Asub[kk][mm] = (gm < M && gk < K) ? LOAD_A : 0.0f;                                        \
        }                                                                                             \
        for (int l = 0; l < LOADS_B; l++) {                                                           \
            const int id = l * RTSM * RTSN + tid;                                                     \
            const int nn = B_N_FAST ? id % GEMM_TSN : id / GEMM_TSK;                                  \
            const int kk = B_N_FAST ? id / GEMM_TSN : id % GEMM_TSK;                                  \
            const int gn = offsetN + nn;                                                              \
            const int gk = t + kk;                                                                    \
            Bsub[kk][nn] = (gn < N && gk < K) ? LOAD_B : 0.0f;                                        \
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
            if (hasBias) v += bias[offsetBias + gn];                                                  \
            if (activation == 1) v = fmax(v, 0.0f);                                                   \
            C[gm * ldc + gn] = v;                                                                     \
        }                                                                                             \
    }                                                                                                 \
}

// A is M x K (NoTrans) or K x M (Trans); B is K x N (NoTrans) or N x K (Trans).
GEMM_KERNEL(gemm_nn, A[gm * lda + gk], B[gk * ldb + gn], 0, 1)
GEMM_KERNEL(gemm_nt, A[gm * lda + gk], B[gn * ldb + gk], 0, 0)
GEMM_KERNEL(gemm_tn, A[gk * lda + gm], B[gk * ldb + gn], 1, 1)
GEMM_KERNEL(gemm_tt, A[gk * lda + gm], B[gn * ldb + gk], 1, 0)
