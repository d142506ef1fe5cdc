import Hummingbird
import Logging
import ServiceLifecycle

/// A server built by `FlowServer.buildApplication`: the HTTP application, what its routes share,
/// and the state directory's lock. Nothing runs until `run()`: no port is bound and the scheduler
/// starts no child, so tests can drive `application` in process (`app.test(.router)`).
struct ServerApplication: Sendable {
    let application: Application<RouterResponder<BasicRequestContext>>
    let core: ServiceCore
    /// Every registered route (the OpenAPI tests compare it with the document).
    let routes: RouteTable
    /// Held for as long as this value lives: one server per state directory.
    let lock: StateLock

    /// Serves until SIGTERM or SIGINT. The group stops its services in reverse order: the
    /// watcher marks the stop first (event streams end, so the HTTP server can close its
    /// connections), then the server, then the scheduler, which stops its children (they write
    /// checkpoints) and re-queues their jobs.
    func run() async throws {
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: SchedulerService(scheduler: core.scheduler)),
                    .init(service: application),
                    .init(service: ShutdownWatcher(flag: core.shutdown), successTerminationBehavior: .ignore),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: core.logger))
        try await group.run()
        withExtendedLifetime(lock) {}
    }
}
