// common.cl: prepended to every flowkit kernel file.
// The kernels are written once and compile both as OpenCL C 1.2 (no extensions) and as CUDA C++
// through NVRTC. The first section below is the only place where the two dialects differ: kernel
// files use its macros and helpers instead of dialect keywords, OpenCL work-item functions,
// vector literals or bit-cast built-ins. Tuning values are macros with defaults here; the host
// overrides them per device with -D options from Tuning.swift.

#if defined(__CUDACC__)
// ---- CUDA C++ (NVRTC). Options that belong to this layer: --fmad=false for the files that say FP_CONTRACT_OFF.
typedef unsigned int uint;
typedef unsigned long long ulong;  // 64 bits, like OpenCL's ulong
#define KERNEL extern "C" __global__
#define GLOBAL
// A pointer to local memory passed to a helper function. CUDA has no address-space qualifier
// for pointers (a pointer into __shared__ memory is a generic pointer), so it is empty. Kernels
// themselves take no local-memory pointer parameters: their local memory is a LOCAL_ARRAY of
// compile-time size, which both dialects express the same way.
#define LOCAL_PTR
#define LOCAL_ARRAY __shared__
#define INLINE __device__ inline
#define BARRIER() __syncthreads()
// OpenCL's ids without a global offset (the host never passes one). Ints, like in OpenCL below.
__device__ inline int flowkit_index3(const uint3 v, const int d) { return (int)(d == 0 ? v.x : (d == 1 ? v.y : v.z)); }
__device__ inline int flowkit_size3(const dim3 v, const int d) { return (int)(d == 0 ? v.x : (d == 1 ? v.y : v.z)); }
#define LOCAL_ID(d) flowkit_index3(threadIdx, (d))
#define GROUP_ID(d) flowkit_index3(blockIdx, (d))
#define LOCAL_SIZE(d) flowkit_size3(blockDim, (d))
#define GLOBAL_ID(d) (GROUP_ID(d) * LOCAL_SIZE(d) + LOCAL_ID(d))
#define AS_UINT(x) __float_as_uint(x)
#define AS_FLOAT(x) __uint_as_float(x)
// Four consecutive floats in one load. The address must be 16-byte aligned: buffers come from
// cuMemAlloc (256-byte aligned) and callers only use it at element offsets that are multiples of 4.
#define VLOAD4(p) (*(const float4*)(p))
// Contraction into fused multiply-adds cannot be switched off in the source in CUDA; the
// host passes --fmad=false for each file with a line FP_CONTRACT_OFF instead (CUDAKernelSource),
// so a file contracts, or not, in both dialects alike.
#define FP_CONTRACT_OFF
// OpenCL built-ins without a CUDA float counterpart, defined as the OpenCL spec defines them.
// exp, log, log1p, tanh, sqrt, fmax, fmin and fabs have float overloads in CUDA C++ already.
__device__ inline float clamp(const float x, const float lo, const float hi) { return fminf(fmaxf(x, lo), hi); }
// make_float2, make_float3 and make_uint4 are CUDA built-ins.
// OpenCL C's INFINITY macro; NVRTC has no math.h to define it.
#ifndef INFINITY
#define INFINITY __uint_as_float(0x7f800000u)
#endif

#else
// ---- OpenCL C. (Not tested by __OPENCL_VERSION__: that macro comes from the OpenCL runtime,
// not from every OpenCL C compiler.)
#define KERNEL __kernel
#define GLOBAL __global
#define LOCAL_PTR __local
#define LOCAL_ARRAY __local
#define INLINE inline
#define BARRIER() barrier(CLK_LOCAL_MEM_FENCE)
#define LOCAL_ID(d) ((int)get_local_id(d))
#define GROUP_ID(d) ((int)get_group_id(d))
#define LOCAL_SIZE(d) ((int)get_local_size(d))
#define GLOBAL_ID(d) ((int)get_global_id(d))
#define AS_UINT(x) as_uint(x)
#define AS_FLOAT(x) as_float(x)
// Four consecutive floats in one load (vload4 needs only float alignment; CUDA's needs 16 bytes,
// so callers keep to the stricter rule).
#define VLOAD4(p) vload4(0, (p))
// Placed at the top of a kernel file, before any code, like the pragma it stands for.
#define FP_CONTRACT_OFF _Pragma("OPENCL FP_CONTRACT OFF")
// CUDA's vector constructors; OpenCL writes them as literals, which are not C++.
inline float2 make_float2(const float x, const float y) { return (float2)(x, y); }
inline float3 make_float3(const float x, const float y, const float z) { return (float3)(x, y, z); }
inline uint4 make_uint4(const uint x, const uint y, const uint z, const uint w) { return (uint4)(x, y, z, w); }
#endif

// ---- Shared by every kernel file, in both dialects.

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

// Sums `value` over the work-group in a fixed tree order; every work-item of the group must call
// it. The result is returned to every item. `scratch` holds LOCAL_SIZE(0) floats, and the
// local size must be a power of two. A fixed order and no atomics keep results bit-identical.
INLINE float group_sum(LOCAL_PTR float* scratch, float value) {
    const int lid = LOCAL_ID(0);
    scratch[lid] = value;
    BARRIER();
    for (int s = LOCAL_SIZE(0) / 2; s > 0; s >>= 1) {
        if (lid < s) scratch[lid] += scratch[lid + s];
        BARRIER();
    }
    const float total = scratch[0];
    BARRIER();
    return total;
}

// 1 / (1 + e^-x) without overflow for large |x|.
INLINE float stable_sigmoid(float x) {
    if (x >= 0.0f) return 1.0f / (1.0f + exp(-x));
    const float e = exp(x);
    return e / (1.0f + e);
}

// log(1 + e^x) without overflow.
INLINE float stable_softplus(float x) {
    return fmax(x, 0.0f) + log1p(exp(-fabs(x)));
}
