// elementwise.cl: fill, unary maps and their derivatives, binary maps with channel broadcast.
// Unary op codes match UnaryOp.code in Swift: 0 exp, 1 log, 2 tanh, 3 sigmoid, 4 softplus,
// 5 relu, 6 leaky relu (param = slope), 7 scale (param = factor).
// Binary op codes match BinaryOp: 0 add, 1 subtract, 2 multiply.

KERNEL void fill(const int n, const float value, GLOBAL float* y) {
    const int i = GLOBAL_ID(0);
    if (i < n) y[i] = value;
}

INLINE float unary_value(const int op, const float param, const float x) {
    switch (op) {
    case 0: return exp(x);
    case 1: return log(x);
    case 2: return tanh(x);
    case 3: return stable_sigmoid(x);
    case 4: return stable_softplus(x);
    case 5: return fmax(x, 0.0f);
    case 6: return x >= 0.0f ? x : param * x;
    default: return param * x;
    }
}

KERNEL void unary_fwd(const int n, const int op, const float param, GLOBAL const float* x, GLOBAL float* y) {
    const int i = GLOBAL_ID(0);
    if (i < n) y[i] = unary_value(op, param, x[i]);
}

KERNEL void unary_bwd(const int n, const int op, const float param, GLOBAL const float* x, GLOBAL const float* y,
                      GLOBAL const float* dy, GLOBAL float* dx) {
    const int i = GLOBAL_ID(0);
    if (i >= n) return;
    const float g = dy[i];
    float d;
    switch (op) {
    case 0: d = g * y[i]; break;
    case 1: d = g / x[i]; break;
    case 2: d = g * (1.0f - y[i] * y[i]); break;
    case 3: d = g * y[i] * (1.0f - y[i]); break;
    case 4: d = g * stable_sigmoid(x[i]); break;
    case 5: d = x[i] > 0.0f ? g : 0.0f; break;
    case 6: d = x[i] >= 0.0f ? g : param * g; break;
    default: d = param * g; break;
    }
    dx[i] = d;
}

// c = a op b over [outer][mid][inner]; with broadcastB, b holds one value per mid index.
KERNEL void binary_op(const int n, const int mid, const int inner, const int op, const int broadcastB,
                      GLOBAL const float* a, GLOBAL const float* b, GLOBAL float* c) {
    const int i = GLOBAL_ID(0);
    if (i >= n) return;
    const float bv = broadcastB ? b[(i / inner) % mid] : b[i];
    const float av = a[i];
    c[i] = op == 0 ? av + bv : (op == 1 ? av - bv : av * bv);
}
