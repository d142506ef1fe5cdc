import ServiceLifecycle

/// Runs the scheduler while the server runs; on a graceful stop, stops its children.
struct SchedulerService: Service {
    let scheduler: Scheduler

    func run() async throws {
        await scheduler.start()
        try? await gracefulShutdown()
        await scheduler.shutdown()
    }
}
