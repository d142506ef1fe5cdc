#ifndef FLOWKIT_NCCL_H
#define FLOWKIT_NCCL_H

// NCCL's unique id is a 128-byte struct that ncclCommInitRank takes by value, which a Swift
// function type cannot express: this shim declares the struct and calls through the pointer that
// FlowNCCL resolved with dlsym (NCCL is opened at run time, like the CUDA driver, never linked).

#define FLOWKIT_NCCL_UNIQUE_ID_BYTES 128

typedef struct {
    char internal[FLOWKIT_NCCL_UNIQUE_ID_BYTES];
} flowkit_nccl_unique_id;

/// ncclCommInitRank(ncclComm_t *comm, int nranks, ncclUniqueId commId, int rank), called through
/// `function` (its address from dlsym) with `*id` passed by value as NCCL expects.
int flowkit_nccl_comm_init_rank(void *function, void **comm, int nranks, const flowkit_nccl_unique_id *id, int rank);

#endif
