/// The options of the MPI launchers the docs show (`mpirun` from Open MPI 4.1, Slurm's `srun`)
/// that `DocumentedCommandChecker` accepts before the launched command: an option not listed is a
/// problem, so a misspelt one cannot hide the launched `flowkit` command from the check.
struct LauncherOptions {
    /// Option name → how many words follow it as values (`--mca NAME VALUE` takes two).
    let withValues: [String: Int]
    let flags: Set<String>

    static let mpirun = LauncherOptions(
        withValues: [
            "-np": 1, "-n": 1, "--np": 1, "-c": 1, "-N": 1, "--npernode": 1, "-H": 1, "--host": 1, "--hostfile": 1, "-hostfile": 1,
            "--map-by": 1, "--bind-to": 1, "--rank-by": 1, "-x": 1, "--mca": 2, "-mca": 2, "--wdir": 1, "--prefix": 1,
        ],
        flags: ["--allow-run-as-root", "--oversubscribe", "--tag-output", "--report-bindings", "--display-map", "-q", "--quiet"])

    static let srun = LauncherOptions(
        withValues: [
            "-n": 1, "--ntasks": 1, "-N": 1, "--nodes": 1, "--ntasks-per-node": 1, "-c": 1, "--cpus-per-task": 1, "--mpi": 1,
            "-G": 1, "--gpus": 1, "--gpus-per-task": 1, "--gpus-per-node": 1, "--gres": 1, "-p": 1, "--partition": 1, "-t": 1,
            "--time": 1, "-J": 1, "--job-name": 1, "-o": 1, "--output": 1, "-e": 1, "--error": 1, "--signal": 1,
        ],
        flags: ["--exclusive", "-l", "--label", "-K", "--kill-on-bad-exit"])
}
