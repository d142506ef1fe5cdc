import FlowRuntime
import FlowTraining
import Foundation

@testable import FlowService

/// The routes a server registers, built in-process exactly as `flowkit serve` builds them.
enum RouteListing {
    static func routes() throws -> [RouteSpec] {
        let state = try ServerProcess.temporaryDirectory("routes-inprocess")
        let paths = StatePaths(state)
        try paths.prepare()
        let store = try SQLiteJobStore(path: paths.database)
        let metrics = ServiceMetrics()
        let scheduler = Scheduler(
            store: store, paths: paths, settings: .init(devices: ["cpu"], jobsPerDevice: 1, executable: "/bin/false", environment: [:]),
            logger: .init(label: "test"), metrics: metrics)
        let core = ServiceCore(
            store: store, scheduler: scheduler, paths: paths, options: ServerOptions(), metrics: metrics, logger: .init(label: "test"),
            devices: [], shutdown: ShutdownFlag(), models: ModelCache(capacity: 1, device: try DeviceRegistry.device(named: "cpu")))
        return FlowServer.makeRouter(core: core).1.routes
    }
}
