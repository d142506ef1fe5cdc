import Synchronization

/// A one-shot hand-over of a child's exit status from its waiting thread to a task.
final class ExitWaiter: Sendable {
    private struct State {
        var status: ExitStatus?
        var waiter: CheckedContinuation<ExitStatus, Never>?
    }

    private let state = Mutex(State())

    func deliver(_ status: ExitStatus) {
        let waiter = state.withLock { state -> CheckedContinuation<ExitStatus, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.status = status
            return nil
        }
        waiter?.resume(returning: status)
    }

    func wait() async -> ExitStatus {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> ExitStatus? in
                if let status = state.status { return status }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
