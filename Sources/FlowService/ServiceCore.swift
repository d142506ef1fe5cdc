import FlowTraining
import Foundation
import Logging

/// What every route needs: the store, the scheduler, the state directory and the options.
struct ServiceCore: Sendable {
    let store: JobStore
    let scheduler: Scheduler
    let paths: StatePaths
    let options: ServerOptions
    let metrics: ServiceMetrics
    let logger: Logger
    /// The devices probed at start-up, as `flowkit devices --json` describes them.
    let devices: [ServedDevice]
    let shutdown: ShutdownFlag
    /// Loaded models for `/logprob` and `/samples` (bounded, least recently used evicted).
    let models: ModelCache
}
