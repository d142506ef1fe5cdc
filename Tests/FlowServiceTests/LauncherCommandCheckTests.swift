import Testing

/// `mpirun …` and `srun …` in the docs (docs/distributed.md): the launcher's options must be
/// ones the checker knows and the launched `flowkit` command must parse, so a wrong flag after
/// the launcher is caught as it is without one.
struct LauncherCommandCheckTests {
    @Test func launchedCommandsAreCheckedLikeAnyOther() throws {
        let checker = try DocumentedCommandChecker(routes: try RouteListing.routes())
        let broken = [
            "mpirun --allow-run-as-root -np 2 flowkit train --stepz 5 --run-dir r",
            "mpirun -np 2 flowkit train --run-dir r --device",
            "mpirun --no-such-option -np 2 flowkit train --run-dir r",
            "mpirun -np 2",
            "srun --mpi=pmix -n 2 flowkit train --stepz 5 --run-dir r",
            "srun --mpi=pmix --no-such-option flowkit train --run-dir r",
            "docker run --rm flowkit mpirun -np 2 flowkit train --stepz 5 --run-dir r",
            "kubectl apply -f docker/k8s/no-such.yaml",
        ]
        let good = [
            "mpirun --allow-run-as-root --oversubscribe -np 2 flowkit train --run-dir r",
            "mpirun --mca odls_base_sigkill_timeout 30 -np 4 flowkit train c.json --run-dir r --device cuda",
            "srun --mpi=pmix --ntasks-per-node=4 --gpus-per-task=1 flowkit train c.json --run-dir r --device cuda",
            "docker run --rm -v /x:/work flowkit mpirun -np 2 flowkit train --run-dir /work/r",
            "scancel --signal=TERM 1234",
            "kubectl apply -f docker/k8s/mpijob.yaml",
        ]
        for text in broken {
            var shell = ShellScript()
            let commands = try shell.commands(text, firstLine: 1)
            #expect(commands.count == 1 && checker.problem(commands[0].words) != nil, "not caught: \(text)")
        }
        for text in good {
            var shell = ShellScript()
            let commands = try shell.commands(text, firstLine: 1)
            #expect(
                commands.count == 1 && checker.problem(commands[0].words) == nil,
                "refused: \(text): \(commands.first.flatMap { checker.problem($0.words) } ?? "")")
        }
    }
}
