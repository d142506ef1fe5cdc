import Foundation
import Synchronization

/// SIGINT / SIGTERM requests a clean stop: the trainer finishes the current step, writes a
/// checkpoint and returns, so an interrupted run loses nothing and resumes exactly.
public enum StopSignal {
    private static let flag = Atomic<Bool>(false)

    public static var requested: Bool { flag.load(ordering: .relaxed) }

    public static func install() {
        signal(SIGINT) { _ in StopSignal.flag.store(true, ordering: .relaxed) }
        signal(SIGTERM) { _ in StopSignal.flag.store(true, ordering: .relaxed) }
        // A parent may start us with these signals blocked (a blocked mask survives exec; test
        // runners and some job launchers do this): unblock them, or the handlers would never run.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// For tests: behave as if a signal arrived (or clear it).
    public static func set(_ value: Bool) { flag.store(value, ordering: .relaxed) }
}
