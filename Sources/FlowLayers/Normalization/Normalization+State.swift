import FlowRuntime

/// Checkpoint state of the normalisation layers: whether ActNorm has run its data-dependent
/// initialisation (so a reloaded model never re-initialises), and batch norm's running statistics.
extension ActNorm: StatefulTransform {
    public func exportState() throws -> [String: TransformStateValue] {
        ["initialized": .flag(isInitialized)]
    }

    public func importState(_ state: [String: TransformStateValue]) throws {
        guard case let .flag(initialized)? = state["initialized"] else {
            throw FlowError.invalidArgument(op: "ActNorm(\(name)).importState", detail: "the saved state lacks the 'initialized' flag")
        }
        isInitialized = initialized
    }
}

extension BatchNorm: StatefulTransform {
    public func exportState() throws -> [String: TransformStateValue] {
        ["runningMean": .values(try runningMean.toArray()), "runningVariance": .values(try runningVariance.toArray())]
    }

    public func importState(_ state: [String: TransformStateValue]) throws {
        guard case let .values(mean)? = state["runningMean"], case let .values(variance)? = state["runningVariance"],
            mean.count == channels, variance.count == channels
        else {
            throw FlowError.shapeMismatch(op: "BatchNorm(\(name)).importState", detail: "expected running statistics of \(channels) channels")
        }
        runningMean = try Tensor(mean, shape: runningMean.shape, on: runningMean.device)
        runningVariance = try Tensor(variance, shape: runningVariance.shape, on: runningVariance.device)
    }
}
