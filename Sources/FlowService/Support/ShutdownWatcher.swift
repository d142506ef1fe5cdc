import ServiceLifecycle

/// Shut down first (it is last in the group): marks the stop, so event streams end and the
/// HTTP server can close its connections.
struct ShutdownWatcher: Service {
    let flag: ShutdownFlag

    func run() async throws {
        try? await gracefulShutdown()
        flag.set()
    }
}
