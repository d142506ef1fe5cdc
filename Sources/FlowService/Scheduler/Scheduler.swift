import Foundation
import Logging

/// Runs queued jobs as `flowkit train <config> --run-dir <run> --resume --device <d>` children,
/// at most `jobsPerDevice` at a time on each served device, higher priority first, then older.
/// Every state change goes through the store first; the children are the only thing the
/// scheduler keeps in memory, and a restart finds them again by pid and start time.
public actor Scheduler {
    struct Settings: Sendable {
        var devices: [String]
        var jobsPerDevice: Int
        var executable: String
        var environment: [String: String]
        /// How long a child asked to stop may take to write its checkpoint before SIGKILL.
        var stopGrace: Duration = .seconds(120)
    }

    private struct Child {
        let pid: Int32
        let startTime: UInt64
        let device: String
        let tailer: MetricsTailer
        var tailTask: Task<Void, Never>?
        var stopRequest: StopRequest?
        /// Where this attempt's part of `train.log` starts (the failure message comes from it).
        let logOffset: UInt64
    }

    let store: JobStore
    let paths: StatePaths
    let settings: Settings
    let logger: Logger
    let metrics: ServiceMetrics
    private var running: [String: Child] = [:]
    /// Jobs being started (id → device): counted against the device, and not to be touched by
    /// `stop` until the child is registered.
    private var launching: [String: String] = [:]
    /// Jobs whose child ended and whose new state is being written.
    private var finishing: Set<String> = []
    /// False until `start`: a built but not yet running server (an in-process test, say) starts
    /// no child however many jobs are submitted; false again after `shutdown`.
    private var accepting = false
    private var started = false
    private var scheduling = false
    private var kickPending = false
    private var retry: Task<Void, Never>?

    init(store: JobStore, paths: StatePaths, settings: Settings, logger: Logger, metrics: ServiceMetrics) {
        self.store = store
        self.paths = paths
        self.settings = settings
        self.logger = logger
        self.metrics = metrics
    }

    private static var now: Double { Date().timeIntervalSince1970 }

    /// Busy slots per served device.
    func busy() -> [String: Int] {
        var counts = Dictionary(uniqueKeysWithValues: settings.devices.map { ($0, 0) })
        for child in running.values { counts[child.device, default: 0] += 1 }
        for device in launching.values { counts[device, default: 0] += 1 }
        return counts
    }

    // MARK: Start-up

    /// After a crash or a kill of the server: every job still marked running has lost its
    /// server. A child that still lives (pid and start time match) is stopped — SIGTERM, so it
    /// writes a checkpoint, then SIGKILL if it takes too long — and the job goes back to the
    /// queue (or to paused / cancelled when that was what its stop was for). It continues from
    /// its newest checkpoint, exactly as if it had never stopped.
    func recover() async throws {
        for job in try await store.jobs(in: .running) {
            if let pid = job.pid, let startTime = job.pidStartTime, ProcessStat.isAlive(pid: pid, startTime: startTime) {
                logger.info("stopping the child of a previous server", metadata: ["job": "\(job.id)", "pid": "\(pid)"])
                kill(pid, SIGTERM)
                if !(await Self.waitForExit(pid: pid, startTime: startTime, timeout: settings.stopGrace)) {
                    kill(pid, SIGKILL)
                    _ = await Self.waitForExit(pid: pid, startTime: startTime, timeout: .seconds(10))
                }
            }
            // The previous server's tailer may have missed the last lines (the checkpoint the
            // child wrote when that server died): record them before the state change.
            await MetricsTailer(jobId: job.id, path: paths.run(job.id).appendingPathComponent("metrics.jsonl").path, store: store).drain()
            let target: JobStatus =
                switch job.stopRequest {
                case .pause: .paused
                case .cancel: .cancelled
                case .shutdown, nil: .queued
                }
            let message = target == .queued ? "server restarted: re-queued; continues from its newest checkpoint" : "server restarted; stopped as requested"
            let now = Self.now
            _ = try await store.transition(job.id, from: [.running], to: target, message: message, now: now) { record in
                record.pid = nil
                record.pidStartTime = nil
                record.stopRequest = nil
                if target == .cancelled { record.finishedAt = now }
            }
        }
        for job in try await store.jobs(in: .queued) where !settings.devices.contains(job.device) {
            logger.warning(
                "job waits for a device this server does not serve",
                metadata: ["job": "\(job.id)", "device": "\(job.device)", "served": "\(settings.devices.joined(separator: ","))"])
        }
    }

    private static func waitForExit(pid: Int32, startTime: UInt64, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ProcessStat.isAlive(pid: pid, startTime: startTime) {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return true
    }

    // MARK: Scheduling

    /// Lets the scheduler start children (once; a stopped scheduler stays stopped), then starts
    /// the queued jobs that fit.
    func start() async {
        guard !started else { return }
        started = true
        accepting = true
        await schedule()
    }

    /// Starts queued jobs while their devices have free slots. Safe to call at any time.
    func schedule() async {
        guard accepting else { return }
        if scheduling {
            kickPending = true
            return
        }
        scheduling = true
        defer { scheduling = false }
        repeat {
            kickPending = false
            let queued: [JobRecord]
            do {
                queued = try await store.jobs(in: .queued)
            } catch {
                logger.error("cannot read the queue", metadata: ["error": "\(error)"])
                scheduleRetry()
                return
            }
            for job in queued where accepting {
                guard settings.devices.contains(job.device), running[job.id] == nil, launching[job.id] == nil,
                    busy()[job.device, default: 0] < settings.jobsPerDevice
                else { continue }
                await launch(job)
            }
        } while kickPending && accepting
    }

    /// Calls `schedule` again in a second (a run directory still locked by an old child, or a
    /// store that did not answer).
    private func scheduleRetry() {
        guard retry == nil, accepting else { return }
        retry = Task {
            try? await Task.sleep(for: .seconds(1))
            await self.retried()
        }
    }

    private func retried() async {
        retry = nil
        await schedule()
    }

    private func launch(_ job: JobRecord) async {
        let run = paths.run(job.id)
        if RunFiles.isLocked(run) {
            // A child of a server that was killed is still writing its last checkpoint (it got
            // SIGTERM through its parent-death signal): wait for it.
            logger.info("run directory still locked by an earlier trainer; waiting", metadata: ["job": "\(job.id)"])
            scheduleRetry()
            return
        }
        launching[job.id] = job.device
        defer { launching[job.id] = nil }
        let logPath = paths.jobLog(job.id).path
        let logOffset = RunFiles.size(logPath)
        var environment = settings.environment
        environment["FLOWKIT_PARENT_PID"] = "\(getpid())"
        let launch = ChildProcess.Launch(
            executable: settings.executable,
            arguments: ["train", paths.jobConfig(job.id).path, "--run-dir", run.path, "--resume", "--device", job.device],
            environment: environment, standardOutput: paths.jobOutput(job.id).path, standardError: logPath)
        let waiter = ExitWaiter()
        let started: ChildProcess.Started
        do {
            started = try await ChildProcess.start(launch) { _, status in waiter.deliver(status) }
        } catch {
            logger.error("cannot start a trainer", metadata: ["job": "\(job.id)", "error": "\(error)"])
            let now = Self.now
            _ = try? await store.transition(job.id, from: [.queued], to: .failed, message: "\(error)", now: now) { record in
                record.failure = "\(error)"
                record.finishedAt = now
            }
            return
        }
        let tailer = MetricsTailer(jobId: job.id, path: run.appendingPathComponent("metrics.jsonl").path, store: store)
        var child = Child(
            pid: started.pid, startTime: started.startTime, device: job.device, tailer: tailer, tailTask: nil, stopRequest: nil,
            logOffset: logOffset)
        child.tailTask = Task {
            while !Task.isCancelled {
                await tailer.poll()
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
        running[job.id] = child
        metrics.started.increment()
        let now = Self.now
        let outcome = try? await store.transition(
            job.id, from: [.queued], to: .running, message: "started on \(job.device) (pid \(started.pid))", now: now
        ) { record in
            record.pid = started.pid
            record.pidStartTime = started.startTime
            record.startedAt = record.startedAt ?? now
            record.attempts += 1
            record.stopRequest = nil
            record.failure = nil
        }
        if case .done = outcome {
            logger.info("job started", metadata: ["job": "\(job.id)", "pid": "\(started.pid)", "device": "\(job.device)"])
        } else {
            // The store did not take the change (it failed, or the job moved meanwhile): this
            // child must not run unrecorded.
            logger.error("could not record a started job; stopping its child", metadata: ["job": "\(job.id)"])
            running[job.id]?.stopRequest = .shutdown
            kill(started.pid, SIGTERM)
        }
        Task {
            let status = await waiter.wait()
            await self.finish(job.id, pid: started.pid, status: status)
        }
    }

    // MARK: A child ended

    private func finish(_ id: String, pid: Int32, status: ExitStatus) async {
        guard let child = running[id], child.pid == pid else { return }
        running[id] = nil
        finishing.insert(id)
        defer { finishing.remove(id) }
        child.tailTask?.cancel()
        // The checkpoint a stopping trainer writes last is reported by its last line: record it
        // before the state change, whose event carries the job's step.
        await child.tailer.drain()
        let job = try? await store.job(id)
        let request = child.stopRequest ?? job?.stopRequest
        let run = paths.run(id)
        let failure = RunFiles.tail(paths.jobLog(id).path, from: child.logOffset)
        let target: JobStatus
        var message: String
        var failureText: String?
        switch status {
        case .exited(0):
            if RunFiles.hasFinalCheckpoint(run) {
                (target, message) = (.succeeded, "finished")
            } else {
                (target, message) = (.failed, "the trainer exited without a final checkpoint")
                failureText = message + (failure.isEmpty ? "" : ": \(failure)")
            }
        case .exited(130), .signaled(SIGTERM), .signaled(SIGINT):
            switch request {
            case .pause: (target, message) = (.paused, "paused at its checkpoint")
            case .cancel: (target, message) = (.cancelled, "cancelled")
            case .shutdown: (target, message) = (.queued, "server stopping: re-queued; continues from its checkpoint")
            case nil: (target, message) = (.queued, "stopped by a signal from outside the service: re-queued")
            }
        case .signaled(SIGKILL) where request != nil:
            // A stop that outlasted its grace period: the newest periodic checkpoint still holds.
            switch request {
            case .pause: (target, message) = (.paused, "paused (killed after the grace period; resumes from its newest checkpoint)")
            case .cancel: (target, message) = (.cancelled, "cancelled")
            default: (target, message) = (.queued, "server stopping: re-queued")
            }
        default:
            if request == .cancel {
                (target, message) = (.cancelled, "cancelled")
            } else {
                (target, message) = (.failed, "the trainer \(status)")
                failureText = "the trainer \(status)" + (failure.isEmpty ? "" : ":\n\(failure)")
            }
        }
        if target == .queued && !accepting && request == nil { message = "server stopping: re-queued" }
        let now = Self.now
        let finalFailure = failureText
        do {
            _ = try await store.transition(id, from: [.running], to: target, message: message, now: now) { record in
                record.pid = nil
                record.pidStartTime = nil
                record.stopRequest = nil
                record.failure = finalFailure
                if target == .succeeded || target == .failed || target == .cancelled { record.finishedAt = now }
            }
        } catch {
            // The job stays marked running with a dead pid; the next start-up re-queues it.
            logger.error("cannot record the end of a job", metadata: ["job": "\(id)", "error": "\(error)"])
        }
        metrics.finished(target)
        logger.info("job child ended", metadata: ["job": "\(id)", "status": "\(status)", "now": "\(target.rawValue)"])
        if accepting { Task { await self.schedule() } }
    }

    // MARK: Requests

    /// `/pause` or `/cancel`. A running job's child gets SIGTERM (it writes a checkpoint and
    /// exits); the call waits a little for that, so the answer usually shows the new state.
    func stop(_ id: String, _ request: StopRequest, wait: Duration = .seconds(20)) async throws -> JobStore.Outcome {
        while launching[id] != nil { try await Task.sleep(for: .milliseconds(20)) }
        guard let job = try await store.job(id) else { return .notFound }
        let now = Self.now
        switch (job.status, request) {
        case (.queued, .pause):
            return try await store.transition(id, from: [.queued], to: .paused, message: "paused before it started", now: now)
        case (.queued, .cancel), (.paused, .cancel), (.failed, .cancel):
            return try await store.transition(id, from: [.queued, .paused, .failed], to: .cancelled, message: "cancelled", now: now) { record in
                record.finishedAt = now
            }
        case (.running, _):
            guard var child = running[id] else { return .conflict(job) }
            // Cancel overrides a pause in progress; asking twice changes nothing.
            if child.stopRequest == nil || (child.stopRequest == .pause && request == .cancel) {
                child.stopRequest = request
                running[id] = child
                try await store.update(id) { $0.stopRequest = request }
                kill(child.pid, SIGTERM)
                let pid = child.pid
                let grace = settings.stopGrace
                Task {
                    try? await Task.sleep(for: grace)
                    self.escalate(id, pid: pid)
                }
            }
            let deadline = ContinuousClock.now + wait
            while running[id] != nil || finishing.contains(id), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            guard let current = try await store.job(id) else { return .notFound }
            return .done(current)
        default:
            return .conflict(job)
        }
    }

    private func escalate(_ id: String, pid: Int32) {
        guard let child = running[id], child.pid == pid else { return }
        logger.warning("trainer did not stop in time; killing it", metadata: ["job": "\(id)", "pid": "\(pid)"])
        kill(pid, SIGKILL)
    }

    /// `/resume`: a paused or failed job goes back to the queue; its next child continues from
    /// the newest checkpoint.
    func resume(_ id: String) async throws -> JobStore.Outcome {
        let outcome = try await store.transition(id, from: [.paused, .failed], to: .queued, message: "resumed", now: Self.now) { record in
            record.failure = nil
            record.finishedAt = nil
        }
        if case .done = outcome { await schedule() }
        return outcome
    }

    // MARK: Shutdown

    /// Graceful stop: no new children; every running child gets SIGTERM (it writes a
    /// checkpoint), and its job goes back to the queue.
    func shutdown() async {
        accepting = false
        started = true
        retry?.cancel()
        while !launching.isEmpty { try? await Task.sleep(for: .milliseconds(20)) }
        for (id, var child) in running {
            if child.stopRequest == nil {
                child.stopRequest = .shutdown
                running[id] = child
                _ = try? await store.update(id) { $0.stopRequest = .shutdown }
            }
            kill(child.pid, SIGTERM)
        }
        let deadline = ContinuousClock.now + settings.stopGrace
        while !running.isEmpty || !finishing.isEmpty {
            if ContinuousClock.now >= deadline {
                for child in running.values { kill(child.pid, SIGKILL) }
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
