import ArgumentParser
import FlowDistributed
import FlowRuntime
import FlowTraining
import Foundation

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model; checkpoints, metrics and pictures go to the run directory.",
        discussion: """
            Without CONFIG, trains the embedded default: RealNVP on the banana density (the W1 \
            workload). A run directory that already holds a run is never overwritten: pass \
            --resume to continue it (bit-identically, from its newest intact checkpoint). \
            SIGINT or SIGTERM stops after the current step with a checkpoint. Under \
            `mpirun -np N` the ranks train one model together (data-parallel, bit-identical to \
            one process for the same train.microBatches, which N must divide); rank 0 writes \
            the run directory.
            """)

    @Argument(help: "A JSON config (keys documented in the README). Omit for the embedded default.")
    var config: String?

    @Option(name: .long, parsing: .unconditional, help: "The run directory (created if needed).")
    var runDir: String

    @OptionGroup var device: DeviceOption

    // .unconditional: `--steps -5` is the value -5 (a range error), not a missing value.
    @Option(name: .long, parsing: .unconditional, help: "Train to this many steps (overrides train.steps).")
    var steps: Int?

    @Option(name: .long, parsing: .unconditional, help: "Random seed (overrides train.seed; ignored on --resume, which keeps the run's seed).")
    var seed: UInt64?

    @Flag(name: .long, help: "Continue the run in --run-dir from its newest checkpoint.")
    var resume = false

    @Option(
        name: .long, parsing: .unconditional,
        help: "CPU threads to compute on (default: $FLOWKIT_THREADS, else the number of cores). The results are the same on any count.")
    var threads: Int?

    @Flag(
        name: .long,
        help:
            "With --resume: refuse to continue when the checkpoint was computed with other numerics (device, BLAS kernels, kernel compiler, tuning, reduction scheme) instead of continuing with a warning."
    )
    var strictNumerics = false

    func validate() throws {
        try ArgumentChecks.runDirectory(runDir)
        if let steps { try ArgumentChecks.count(steps, "--steps", in: ConfigLimits.steps) }
        if let threads { try ArgumentChecks.count(threads, "--threads", in: CPUThreads.limit) }
        if let seed, seed > UInt64(ConfigLimits.seed.upperBound) {
            throw ValidationError("--seed must be in \(ConfigLimits.seed.lowerBound)...\(ConfigLimits.seed.upperBound), got \(seed)")
        }
    }

    func run() throws {
        ParentWatch.install()
        if let threads { try CPUThreads.set(threads) }
        let target = try device.resolve()
        let parsed: TrainingConfig?
        if let config {
            // Resuming, a key the file leaves out means what the run was trained with (ConfigDefaults).
            parsed = try TrainingConfig.load(config, defaults: resume ? ConfigDefaults.resuming(RunDirectory(runDir)) : .newRun)
        } else if resume, RunDirectory(runDir).holdsRun {
            parsed = nil
        } else {
            parsed = try TrainingConfig.parse(Data(TrainingConfig.embeddedDefault.utf8))
        }
        var options = Trainer.Options()
        options.resume = resume
        options.stepsOverride = steps
        options.seedOverride = seed
        options.strictNumerics = strictNumerics
        // Under mpirun a rank's stdout is a pty even when mpirun's own output goes to a file: log lines then.
        options.interactive = isatty(STDOUT_FILENO) != 0 && !MPILaunch.launched()
        options.log = { print($0) }
        // MPI only under an MPI launcher; before the signal handlers, so that they stay ours.
        let launched = try MPILaunch.communicator()
        let communicator: any Communicator
        let exchangeLibrary: String?
        do {
            (communicator, exchangeLibrary) = try ExchangeChoice.communicator(over: launched, device: target)
        } catch let refusal as ExchangeChoice.Refusal {
            launched.finish()
            if launched.isLeader { throw FlowKit.Failure(description: refusal.description) }
            throw ExitCode.failure
        } catch  where launched.size > 1 {
            // A rank that cannot set up the exchange would leave the others waiting in it.
            printError("flowkit train, rank \(launched.rank) of \(launched.size): \(ErrorText.describe(error)); aborting every rank")
            launched.abort(code: 1)
        }
        options.communicator = communicator
        StopSignal.install()
        let trainer: Trainer
        do {
            trainer = try Trainer(config: parsed, run: RunDirectory(runDir), device: target, options: options)
        } catch {
            // Every rank knows the start failed (Trainer agrees on it) and leaves alike.
            communicator.finish()
            if error is FollowerStartFailure { throw ExitCode.failure }
            throw error
        }
        let computing = target.info.kind == .cpu ? "\(target.info.name), \(CPUThreads.count) threads" : target.info.name
        var ranks = ""
        if communicator.size > 1 {
            let microBatches = trainer.config.train.microBatches
            ranks = ", \(communicator.size) ranks × \(microBatches / communicator.size) micro-batches"
            if let bytes = trainer.exchangeBytesPerRank { ranks += ", \(bytes) bytes sent per rank per step" }
            if let exchangeLibrary { ranks += ", \(exchangeLibrary)" }
        }
        if communicator.isLeader {
            print(
                "training on \(target.info.selector) (\(computing)\(ranks)), \(trainer.flow.parameters.reduce(0) { $0 + $1.value.count }) parameters, run directory \(runDir)"
            )
        }
        let summary: Trainer.Summary
        do {
            summary = try trainer.train()
        } catch  where communicator.size > 1 {
            // The other ranks would wait for this one in the next exchange forever: end the job.
            printError("flowkit train, rank \(communicator.rank) of \(communicator.size): \(ErrorText.describe(error)); aborting every rank")
            communicator.abort(code: 1)
        }
        communicator.finish()
        if summary.interrupted { throw ExitCode(130) }
    }
}
