// adam.cl: fused Adam / AdamW update in PyTorch's form. The bias corrections 1 - beta^t are
// computed once on the host (in double) and passed in, so every device uses the same values.

KERNEL void adam_step(const int n, const float lr, const float beta1, const float beta2, const float eps,
                      const float weightDecay, const int decoupled, const float correction1,
                      const float correction2, GLOBAL float* param, GLOBAL const float* grad,
                      GLOBAL float* m, GLOBAL float* v) {
    const int i = GLOBAL_ID(0);
    if (i >= n) return;
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
