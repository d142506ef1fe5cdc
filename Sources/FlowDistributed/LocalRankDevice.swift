import Foundation

/// Which device a rank of a data-parallel job uses on a host with several devices of a kind: a
/// selector naming a bare kind (`opencl`, `cuda`) means the device numbered by the rank's local
/// rank (its place among the job's ranks on this host), so N ranks on an N-GPU host each take
/// their own GPU. An explicit index (`cuda:1`) wins, and so does a process no MPI launcher started.
/// With more ranks than devices, ranks share them round-robin (local rank modulo the count).
public enum LocalRankDevice {
    /// Where launchers put the local rank, tried in order: Open MPI's `mpirun`, MPICH's Hydra,
    /// Slurm's `srun` (with `--mpi=pmix` too, which sets no local rank of its own).
    public static let variables = ["OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "SLURM_LOCALID"]

    /// The local rank from the first of `variables` that is set, or nil when none is. A value
    /// that is not a number 0, 1, … is an error naming the variable: guessing would put two ranks
    /// on one device.
    public static func localRank(_ environment: [String: String]) throws -> Int? {
        for name in variables {
            guard let text = environment[name] else { continue }
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            // Digits only: Int would also take "+1"; the length bound keeps Int from overflowing.
            guard !trimmed.isEmpty, trimmed.count <= 9, trimmed.allSatisfy({ $0.isASCII && $0.isNumber }), let rank = Int(trimmed) else {
                throw DistributedError("\(name) is '\(text)', not a local rank (0, 1, …): cannot choose this rank's device")
            }
            return rank
        }
        return nil
    }

    /// The selector this rank opens for `requested` (`kind` or `kind:N`), given how many devices
    /// of that kind the host has. Unchanged unless an MPI launcher started the process
    /// (`MPILaunch.launched`), `requested` names no index, and the host has more than one device
    /// of the kind.
    public static func selector(for requested: String, devicesOfKind count: Int, environment: [String: String]) throws -> String {
        let kind = requested.trimmingCharacters(in: .whitespaces)
        guard MPILaunch.launched(environment), !kind.contains(":"), count > 1, let rank = try localRank(environment) else { return requested }
        return "\(kind):\(rank % count)"
    }
}
