import Foundation

/// Whether an MPI launcher started this process, read from the environment it sets: Open MPI's
/// `mpirun` (OMPI_COMM_WORLD_SIZE, OMPI_COMM_WORLD_RANK), a PMIx launcher such as
/// `srun --mpi=pmix` (PMIX_RANK), or a PMI-1/2 one (PMI_RANK). Only then is MPI initialised: a
/// plain `flowkit train` neither loads MPI's plugins nor waits on a launcher.
public enum MPILaunch {
    static let variables = ["OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"]

    public static func launched(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        variables.contains { environment[$0] != nil }
    }

    /// The job's communicator: MPI's when launched by one, else rank 0 of 1.
    public static func communicator(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> any Communicator {
        launched(environment) ? try MPICommunicator() : SingleProcessCommunicator()
    }
}
