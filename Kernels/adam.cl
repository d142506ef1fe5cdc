// adam.cl: fused Adam / AdamW update in PyTorch's form. The bias corrections 1 - beta^t are
// computed once on the host (in double) and passed in, so every device uses the same values.
// No contraction into fused multiply-adds (CUDA: --fmad=false, from FP_CONTRACT_OFF): adam_step
// and adam_step_group inline the same update and must round it the same way on every compiler.
FP_CONTRACT_OFF

// Element i of one tensor's update.
INLINE void adam_update(const int i, const float lr, const float beta1, const float beta2, const float eps,
                        const float weightDecay, const int decoupled, const float correction1,
                        const float correction2, GLOBAL float* param, GLOBAL const float* grad,
                        GLOBAL float* m, GLOBAL float* v) {
    float g = grad[i];
    float p = param[i];
    if (decoupled) p -= lr * weightDecay * p;
    else g += weightDecay * p;
    const float mi = beta1 * m[i] + (1.0f - beta1) * g;
    const float vi = beta2 * v[i] + (1.0f - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    param[i] = p - lr * (mi / correction1) / (sqrt(vi / correction2) + eps);
}

KERNEL void adam_step(const int n, const float lr, const float beta1, const float beta2, const float eps,
                      const float weightDecay, const int decoupled, const float correction1,
                      const float correction2, GLOBAL float* param, GLOBAL const float* grad,
                      GLOBAL float* m, GLOBAL float* v) {
    const int i = GLOBAL_ID(0);
    if (i >= n) return;
    adam_update(i, lr, beta1, beta2, eps, weightDecay, decoupled, correction1, correction2, param, grad, m, v);
}

// Up to eight tensors in one launch (a model's many small parameter tensors): tensor k holds the
// global indices start_k ..< start_{k+1} (start_0 = 0, the last ends at total; unused slots start
// at total and are never reached).
#define ADAM_SLOT(k) GLOBAL float* p##k, GLOBAL const float* g##k, GLOBAL float* m##k, GLOBAL float* v##k
KERNEL void adam_step_group(const int total, const int start1, const int start2, const int start3, const int start4,
                            const int start5, const int start6, const int start7,
                            const float lr, const float beta1, const float beta2, const float eps,
                            const float weightDecay, const int decoupled, const float correction1,
                            const float correction2, ADAM_SLOT(0), ADAM_SLOT(1), ADAM_SLOT(2), ADAM_SLOT(3),
                            ADAM_SLOT(4), ADAM_SLOT(5), ADAM_SLOT(6), ADAM_SLOT(7)) {
    const int i = GLOBAL_ID(0);
    if (i >= total) return;
#define ADAM_AT(k, start) adam_update(i - (start), lr, beta1, beta2, eps, weightDecay, decoupled, correction1, correction2, p##k, g##k, m##k, v##k)
    if (i < start1) ADAM_AT(0, 0);
    else if (i < start2) ADAM_AT(1, start1);
    else if (i < start3) ADAM_AT(2, start2);
    else if (i < start4) ADAM_AT(3, start3);
    else if (i < start5) ADAM_AT(4, start4);
    else if (i < start6) ADAM_AT(5, start5);
    else if (i < start7) ADAM_AT(6, start6);
    else ADAM_AT(7, start7);
#undef ADAM_AT
}
#undef ADAM_SLOT
