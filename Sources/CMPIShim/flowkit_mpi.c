#include "flowkit_mpi.h"
#include <mpi.h>
#include <string.h>

int flowkit_mpi_init(void) {
    int provided = 0;
    return MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
}

int flowkit_mpi_active(void) {
    int initialized = 0, finalized = 0;
    MPI_Initialized(&initialized);
    MPI_Finalized(&finalized);
    return initialized && !finalized;
}

int flowkit_mpi_finalize(void) {
    if (!flowkit_mpi_active()) return MPI_SUCCESS;
    return MPI_Finalize();
}

int flowkit_mpi_rank(int *rank) { return MPI_Comm_rank(MPI_COMM_WORLD, rank); }

int flowkit_mpi_size(int *size) { return MPI_Comm_size(MPI_COMM_WORLD, size); }

int flowkit_mpi_abort(int code) { return MPI_Abort(MPI_COMM_WORLD, code); }

int flowkit_mpi_barrier(void) { return MPI_Barrier(MPI_COMM_WORLD); }

int flowkit_mpi_bcast(void *buffer, int count, int root) {
    return MPI_Bcast(buffer, count, MPI_BYTE, root, MPI_COMM_WORLD);
}

int flowkit_mpi_gather(const void *sent, int count, void *received, int root) {
    return MPI_Gather(sent, count, MPI_BYTE, received, count, MPI_BYTE, root, MPI_COMM_WORLD);
}

int flowkit_mpi_allgather(const void *sent, int count, void *received) {
    return MPI_Allgather(sent, count, MPI_BYTE, received, count, MPI_BYTE, MPI_COMM_WORLD);
}

int flowkit_mpi_alltoall(const void *sent, int count, void *received) {
    return MPI_Alltoall(sent, count, MPI_BYTE, received, count, MPI_BYTE, MPI_COMM_WORLD);
}

void flowkit_mpi_error_text(int code, char *text, int capacity) {
    if (capacity <= 0) return;
    char buffer[MPI_MAX_ERROR_STRING];
    int length = 0;
    if (MPI_Error_string(code, buffer, &length) != MPI_SUCCESS || length <= 0) {
        strncpy(text, "unknown MPI error", (size_t)capacity - 1);
    } else {
        if (length >= capacity) length = capacity - 1;
        memcpy(text, buffer, (size_t)length);
        text[length] = '\0';
        return;
    }
    text[capacity - 1] = '\0';
}
