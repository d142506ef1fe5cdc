import FlowRuntime
import FlowTraining
import Foundation
import Hummingbird
import Logging
import Prometheus
import Synchronization

/// `flowkit serve`: opens the state directory and its store, recovers the jobs a previous server
/// left running, and serves the API until SIGTERM or SIGINT, when it stops accepting requests,
/// stops its children (they write checkpoints), re-queues their jobs and returns.
public enum FlowServer {
    public struct StartError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Serves until a graceful stop (SIGTERM or SIGINT).
    public static func serve(_ options: ServerOptions) async throws {
        bootstrapLogging()
        try await buildApplication(options).run()
    }

    /// Checks the options that can be checked before anything is opened.
    public static func check(_ options: ServerOptions) throws {
        if !options.isLoopback && options.token == nil {
            throw StartError(
                description: "refusing to listen on \(options.host) without a token: anyone who can reach the port could run jobs. "
                    + "Set FLOWKIT_TOKEN or pass --token-file FILE (a file holding the token), or listen on 127.0.0.1")
        }
        if let token = options.token, token.count < 16 {
            throw StartError(description: "the token is too short (\(token.count) characters); use at least 16 random characters")
        }
        guard (0...65535).contains(options.port) else { throw StartError(description: "--port must be in 0...65535, got \(options.port)") }
        guard (1...64).contains(options.jobsPerDevice) else {
            throw StartError(description: "--jobs-per-device must be in 1...64, got \(options.jobsPerDevice)")
        }
        guard options.maxUploadBytes >= 1 else { throw StartError(description: "--max-upload-bytes must be at least 1") }
        if let root = options.dataRoot, !FileAccess.isFolder(root) {
            throw StartError(description: "--data-root \(root) is not a folder")
        }
        _ = try StoreOpening.postgresLocation(options)
    }

    /// Opens the state directory (taking its lock) and the store, recovers the jobs a previous
    /// server left running, and builds the application with every route; starts nothing.
    static func buildApplication(_ options: ServerOptions) async throws -> ServerApplication {
        try check(options)
        let logger = Logger(label: "flowkit.serve")
        let devices = try DeviceProbe.probe(options.devices)
        let paths = StatePaths(options.stateDirectory)
        do {
            try paths.prepare()
        } catch {
            throw StartError(description: "cannot create the state directory \(paths.root.path): \(ErrorText.describe(error))")
        }
        let lock = try StateLock(path: paths.serverLock)
        let store = try await StoreOpening.open(options, sqlitePath: paths.database, logger: logger)
        let metrics = ServiceMetrics()
        var environment = ProcessInfo.processInfo.environment
        // The children need no token or store password; keep them out of their environment.
        environment["FLOWKIT_TOKEN"] = nil
        environment["FLOWKIT_DATABASE_PASSWORD"] = nil
        let scheduler = Scheduler(
            store: store, paths: paths,
            settings: .init(
                devices: options.devices, jobsPerDevice: options.jobsPerDevice, executable: options.executable, environment: environment,
                stopGrace: .seconds(options.stopGraceSeconds)),
            logger: logger, metrics: metrics)
        try await scheduler.recover()

        let core = ServiceCore(
            store: store, scheduler: scheduler, paths: paths, options: options, metrics: metrics, logger: logger, devices: devices,
            shutdown: ShutdownFlag(), models: ModelCache(capacity: 8, device: try DeviceRegistry.device(named: "cpu")))
        let (router, routes) = makeRouter(core: core)
        let host = options.host
        let application = Application(
            router: router,
            server: .http1(configuration: .init(additionalChannelHandlers: [MalformedRequestHandler()])),
            configuration: .init(address: .hostname(host, port: options.port), serverName: "flowkit"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? options.port
                let shown = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
                FileHandle.standardOutput.write(Data("listening on http://\(shown):\(port)\n".utf8))
                logger.info("listening", metadata: ["address": "\(shown):\(port)", "state": "\(paths.root.path)"])
            },
            logger: logger)
        return ServerApplication(application: application, core: core, routes: routes, lock: lock)
    }

    /// The router with every route and middleware; the route table lists what was registered.
    static func makeRouter(core: ServiceCore) -> (Router<BasicRequestContext>, RouteTable) {
        let table = RouteTable()
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: RequestMetricsMiddleware(metrics: core.metrics.requests))
        router.add(middleware: ErrorMiddleware(routes: table))
        router.add(middleware: AuthMiddleware(token: core.options.token))
        let routes = RouteRegistrar(router: router, table: table)
        HealthRoutes.register(routes, core: core)
        DatasetRoutes.register(routes, core: core)
        JobRoutes.register(routes, core: core)
        EventRoutes.register(routes, core: core)
        ArtifactRoutes.register(routes, core: core)
        ModelRoutes.register(routes, core: core)
        DashboardRoutes.register(routes)
        return (router, table)
    }

    private static let loggingBootstrapped = Atomic<Bool>(false)

    /// Log lines go to standard error: standard output carries only `listening on …`.
    private static func bootstrapLogging() {
        guard !loggingBootstrapped.exchange(true, ordering: .relaxed) else { return }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
    }
}
