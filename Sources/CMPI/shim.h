// Debian's libopenmpi-dev: mpi.h under /usr/lib/<triplet>/openmpi/include, found through
// pkg-config `ompi-c` (Package.swift). Swift cannot use it directly (MPI_COMM_WORLD, MPI_BYTE
// and the other handles are macros over addresses of library globals); CMPIShim wraps what
// flowkit needs in plain C functions.
#ifndef FLOWKIT_CMPI_SHIM_H
#define FLOWKIT_CMPI_SHIM_H
#include <mpi.h>
#endif
