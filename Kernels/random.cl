// random.cl: Philox-4x32-10 counter-based random numbers, mirroring Philox.swift operation for
// operation. The float conversions use only +, -, * and bit operations (correctly rounded in
// IEEE-754) and contraction into fused multiply-adds is switched off, so uniforms and normals are
// bit-identical to the CPU backend's on every device.
FP_CONTRACT_OFF

INLINE uint4 philox4x32_10(ulong counter, const uint k0In, const uint k1In) {
    uint c0 = (uint)counter, c1 = (uint)(counter >> 32), c2 = 0, c3 = 0;
    uint k0 = k0In, k1 = k1In;
    for (int round = 0; round < 10; round++) {
        if (round > 0) {
            k0 += 0x9E3779B9u;
            k1 += 0xBB67AE85u;
        }
        const ulong p0 = (ulong)0xD2511F53u * (ulong)c0;
        const ulong p1 = (ulong)0xCD9E8D57u * (ulong)c2;
        const uint n0 = (uint)(p1 >> 32) ^ c1 ^ k0;
        const uint n1 = (uint)p1;
        const uint n2 = (uint)(p0 >> 32) ^ c3 ^ k1;
        const uint n3 = (uint)p0;
        c0 = n0; c1 = n1; c2 = n2; c3 = n3;
    }
    return make_uint4(c0, c1, c2, c3);
}

INLINE float exact_reciprocal(const float d) {
    float r = 0.5f;
    for (int i = 0; i < 5; i++) r = r * (2.0f - d * r);
    return r;
}

// log x for x in (0, 1]: x = m * 2^e, m in [sqrt(1/2), sqrt(2)), log m = 2 atanh((m - 1) / (m + 1)).
INLINE float exact_log(const float x) {
    const uint bits = AS_UINT(x);
    int exponent = (int)((bits >> 23) & 0xFFu) - 127;
    float mantissa = AS_FLOAT((bits & 0x7FFFFFu) | 0x3F800000u);
    if (mantissa > 1.41421356f) {
        mantissa = mantissa * 0.5f;
        exponent = exponent + 1;
    }
    const float f = (mantissa - 1.0f) * exact_reciprocal(mantissa + 1.0f);
    const float f2 = f * f;
    float p = 0.222222222f;
    p = p * f2 + 0.285714286f;
    p = p * f2 + 0.4f;
    p = p * f2 + 0.666666667f;
    p = p * f2 + 2.0f;
    const float e = (float)exponent;
    return e * 0.693145751953125f + (f * p + e * 1.42860676533e-06f);
}

INLINE float exact_sqrt(const float a) {
    if (a <= 0.0f) return 0.0f;
    float y = AS_FLOAT(0x5F3759DFu - (AS_UINT(a) >> 1));
    for (int i = 0; i < 3; i++) y = y * (1.5f - 0.5f * a * y * y);
    return a * y;
}

INLINE float sin_poly(const float x) {
    const float x2 = x * x;
    float p = 2.75573192e-06f;
    p = p * x2 - 1.98412698e-04f;
    p = p * x2 + 8.33333333e-03f;
    p = p * x2 - 1.66666667e-01f;
    return x + x * x2 * p;
}

INLINE float cos_poly(const float x) {
    const float x2 = x * x;
    float p = -2.75573192e-07f;
    p = p * x2 + 2.48015873e-05f;
    p = p * x2 - 1.38888889e-03f;
    p = p * x2 + 4.16666667e-02f;
    p = p * x2 - 0.5f;
    return 1.0f + x2 * p;
}

// (sin 2 pi u, cos 2 pi u) for u in [0, 1).
INLINE float2 exact_sincos_2pi(const float u) {
    const float scaled = u * 4.0f;
    const int quadrant = (int)scaled;
    const float r = scaled - (float)quadrant;
    float s, c;
    if (r <= 0.5f) {
        const float x = r * 1.57079632679f;
        s = sin_poly(x);
        c = cos_poly(x);
    } else {
        const float x = (1.0f - r) * 1.57079632679f;
        s = cos_poly(x);
        c = sin_poly(x);
    }
    if (quadrant == 0) return make_float2(s, c);
    if (quadrant == 1) return make_float2(c, -s);
    if (quadrant == 2) return make_float2(-s, -c);
    return make_float2(-c, s);
}

INLINE float2 normal_pair(const uint w0, const uint w1) {
    const float u1 = (float)((w0 >> 8) + 1u) * 0x1p-24f;
    const float u2 = (float)(w1 >> 8) * 0x1p-24f;
    const float radius = exact_sqrt(-2.0f * exact_log(u1));
    const float2 sc = exact_sincos_2pi(u2);
    return make_float2(radius * sc.y, radius * sc.x);
}

// One work-item per counter block of four values. distribution: 0 uniform [0, 1), 1 normal.
KERNEL void random_fill(const int n, const int distribution, const uint seedLo, const uint seedHi,
                        const uint counterLo, const uint counterHi, GLOBAL float* y) {
    const int block = GLOBAL_ID(0);
    const int base = block * 4;
    if (base >= n) return;
    const ulong counter = ((((ulong)counterHi) << 32) | (ulong)counterLo) + (ulong)block;
    const uint4 w = philox4x32_10(counter, seedLo, seedHi);
    float v[4];
    if (distribution == 0) {
        v[0] = (float)(w.x >> 8) * 0x1p-24f;
        v[1] = (float)(w.y >> 8) * 0x1p-24f;
        v[2] = (float)(w.z >> 8) * 0x1p-24f;
        v[3] = (float)(w.w >> 8) * 0x1p-24f;
    } else {
        const float2 a = normal_pair(w.x, w.y);
        const float2 b = normal_pair(w.z, w.w);
        v[0] = a.x; v[1] = a.y; v[2] = b.x; v[3] = b.y;
    }
    for (int lane = 0; lane < 4 && base + lane < n; lane++) y[base + lane] = v[lane];
}
