// The MPI calls flowkit's data-parallel training uses, as plain C functions over bytes on
// MPI_COMM_WORLD. Open MPI's handles (MPI_COMM_WORLD, MPI_BYTE) are macros over addresses of
// library globals, which Swift cannot import; these wrappers take and return only integers and
// pointers. Every function returns an MPI error code (MPI_SUCCESS = 0) unless it says otherwise.
// Only bytes are exchanged: flowkit never asks MPI to add floating-point numbers, whose order
// would then depend on the rank count and the reduction algorithm.
#ifndef FLOWKIT_MPI_H
#define FLOWKIT_MPI_H
#include <stddef.h>

/// MPI_Init_thread with MPI_THREAD_FUNNELED (flowkit's worker threads never call MPI).
int flowkit_mpi_init(void);
/// MPI_Finalize, once; a no-op when MPI was never initialised or is already finalised.
int flowkit_mpi_finalize(void);
/// 1 when MPI_Init has run and MPI_Finalize has not.
int flowkit_mpi_active(void);
int flowkit_mpi_rank(int *rank);
int flowkit_mpi_size(int *size);
/// MPI_Abort on MPI_COMM_WORLD: every rank of the job is killed with `code`.
int flowkit_mpi_abort(int code);
int flowkit_mpi_barrier(void);
/// MPI_Bcast of `count` bytes from `root`.
int flowkit_mpi_bcast(void *buffer, int count, int root);
/// MPI_Gather: every rank sends `count` bytes; `root` receives size·count bytes in rank order
/// into `received` (ignored on other ranks).
int flowkit_mpi_gather(const void *sent, int count, void *received, int root);
/// MPI_Allgather: every rank sends `count` bytes and receives size·count bytes in rank order.
int flowkit_mpi_allgather(const void *sent, int count, void *received);
/// MPI_Alltoall: rank r sends bytes [o·count, (o+1)·count) of `sent` to rank o and receives
/// rank s's block for it at [s·count, (s+1)·count) of `received`.
int flowkit_mpi_alltoall(const void *sent, int count, void *received);
/// MPI_Error_string into `text` (at least `capacity` bytes, NUL-terminated).
void flowkit_mpi_error_text(int code, char *text, int capacity);

#endif
