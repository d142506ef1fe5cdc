// OpenCL 1.2 is the oldest version flowkit supports; asking for it keeps 2.x-only symbols out.
#ifndef FLOWKIT_COPENCL_SHIM_H
#define FLOWKIT_COPENCL_SHIM_H
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#endif
