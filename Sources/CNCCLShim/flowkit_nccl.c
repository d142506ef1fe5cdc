#include "flowkit_nccl.h"

typedef int (*comm_init_rank_fn)(void **comm, int nranks, flowkit_nccl_unique_id id, int rank);

int flowkit_nccl_comm_init_rank(void *function, void **comm, int nranks, const flowkit_nccl_unique_id *id, int rank) {
    return ((comm_init_rank_fn)function)(comm, nranks, *id, rank);
}
