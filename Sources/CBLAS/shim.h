// Debian's libopenblas-dev installs cblas.h (with OpenBLAS's thread-control extensions)
// through the alternatives system.
#ifndef FLOWKIT_CBLAS_SHIM_H
#define FLOWKIT_CBLAS_SHIM_H
#include <cblas.h>
#endif
