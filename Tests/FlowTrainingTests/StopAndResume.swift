import FlowRuntime
import Foundation

@testable import FlowTraining

/// The two runs every family's exact-resume test compares: one trained straight to `steps`, and
/// one stopped at `stopAt` (a checkpoint is written on stop) and resumed from its run directory,
/// with the config read back from there rather than passed in, to the same `steps`. The run
/// directories are removed once both have trained; the trainers keep their state in memory.
struct StopAndResume {
    let reference: Trainer
    let resumed: Trainer
    /// The step the resumed trainer started from: its newest checkpoint's.
    let resumedFrom: Int

    init(_ configText: String, device: any Device, stopAt: Int, steps: Int) throws {
        let config = try TrainerTests.config(configText)
        let straight = TrainerTests.temporaryRun()
        let interrupted = TrainerTests.temporaryRun()
        defer {
            try? FileManager.default.removeItem(at: straight.url)
            try? FileManager.default.removeItem(at: interrupted.url)
        }
        var whole = TrainerTests.quiet
        whole.stepsOverride = steps
        reference = try Trainer(config: config, run: straight, device: device, options: whole)
        _ = try reference.train()
        var firstLeg = TrainerTests.quiet
        firstLeg.stepsOverride = stopAt
        _ = try Trainer(config: config, run: interrupted, device: device, options: firstLeg).train()
        var secondLeg = TrainerTests.quiet
        secondLeg.resume = true
        secondLeg.stepsOverride = steps
        resumed = try Trainer(config: nil, run: interrupted, device: device, options: secondLeg)
        resumedFrom = resumed.state.step
        _ = try resumed.train()
    }

    /// Whether the resumed run ended with exactly (bit for bit) the uninterrupted run's parameters.
    func parametersAreIdentical() throws -> Bool {
        try TrainerTests.finalParameters(resumed) == TrainerTests.finalParameters(reference)
    }
}
