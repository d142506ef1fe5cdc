// common.cl: prepended to every flowkit kernel file.
// Portable OpenCL C 1.2 subset (no extensions), so a CUDA backend can later compile the same
// sources through a small compatibility header. Tuning values are macros with defaults here;
// the host overrides them per device with -D options from Tuning.swift.

#ifndef WGS
#define WGS 256          // work-group size of reductions (a power of two)
#endif
#ifndef EW_WGS
#define EW_WGS 256       // work-group size of elementwise kernels
#endif
#ifndef GEMM_TSM
#define GEMM_TSM 64      // rows of C per work-group tile
#endif
#ifndef GEMM_TSN
#define GEMM_TSN 64      // columns of C per work-group tile
#endif
#ifndef GEMM_TSK
#define GEMM_TSK 16      // depth of the k-slices staged in local memory
#endif
#ifndef GEMM_WPTM
#define GEMM_WPTM 4      // rows of C per work-item
#endif
#ifndef GEMM_WPTN
#define GEMM_WPTN 4      // columns of C per work-item
#endif

#define KERNEL __kernel
#define GLOBAL __global
#define LOCAL __local

// Sums `value` over the work-group in a fixed tree order; every work-item of the group must call
// it. The result is returned to every item. `scratch` holds get_local_size(0) floats, and the
// local size must be a power of two. A fixed order and no atomics keep results bit-identical.
inline float group_sum(LOCAL float* scratch, float value) {
    const int lid = get_local_id(0);
    scratch[lid] = value;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = get_local_size(0) / 2; s > 0; s >>= 1) {
        if (lid < s) scratch[lid] += scratch[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const float total = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return total;
}

// 1 / (1 + e^-x) without overflow for large |x|.
inline float stable_sigmoid(float x) {
    if (x >= 0.0f) return 1.0f / (1.0f + exp(-x));
    const float e = exp(x);
    return e / (1.0f + e);
}

// log(1 + e^x) without overflow.
inline float stable_softplus(float x) {
    return fmax(x, 0.0f) + log1p(exp(-fabs(x)));
}
