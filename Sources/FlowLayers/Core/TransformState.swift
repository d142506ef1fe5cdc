import FlowRuntime

/// A transform defined by more than its trained parameters: data-dependent initialisation flags
/// (ActNorm), running statistics (batch norm), fixed normalisation statistics, random-stream
/// positions (dequantization noise). Checkpoints save this state so a reloaded model computes
/// exactly what the saved one did (a peer library re-initialises ActNorm after loading: that is
/// the bug this prevents).
public protocol StatefulTransform: Bijector {
    /// Named values, keys unique within the transform (they are prefixed with its `name`).
    func exportState() throws -> [String: TransformStateValue]
    func importState(_ state: [String: TransformStateValue]) throws
}

/// One piece of transform state: tensor values, a random-stream position or a flag.
public enum TransformStateValue: Codable, Equatable, Sendable {
    case values([Float])
    case stream(RandomStream)
    case flag(Bool)
}

/// A transform made of other transforms (chains, multi-scale levels, MAF blocks), so state and
/// diagnostics can reach every transform inside a model.
public protocol TransformContainer {
    var children: [any Bijector] { get }
}

extension Chain: TransformContainer {
    public var children: [any Bijector] { transforms }
}

extension Flow {
    /// Every stateful transform in the model, depth first.
    public var statefulTransforms: [any StatefulTransform] {
        func collect(_ transform: any Bijector) -> [any StatefulTransform] {
            var found: [any StatefulTransform] = []
            if let stateful = transform as? any StatefulTransform { found.append(stateful) }
            if let container = transform as? any TransformContainer { found += container.children.flatMap(collect) }
            return found
        }
        return collect(chain)
    }

    /// The model's state as `transformName.key → values`; transform names must be unique.
    public func exportState() throws -> [String: TransformStateValue] {
        var state: [String: TransformStateValue] = [:]
        for transform in statefulTransforms {
            for (key, values) in try transform.exportState() {
                let name = "\(transform.name).\(key)"
                guard state[name] == nil else {
                    throw FlowError.invalidArgument(op: "Flow.exportState", detail: "two transforms are named '\(transform.name)'; state names must be unique")
                }
                state[name] = values
            }
        }
        return state
    }

    /// Restores what `exportState` saved; every stateful transform must find its entries.
    public func importState(_ state: [String: TransformStateValue]) throws {
        for transform in statefulTransforms {
            let prefix = "\(transform.name)."
            let entries = state.filter { $0.key.hasPrefix(prefix) }
            var own: [String: TransformStateValue] = [:]
            for (key, values) in entries { own[String(key.dropFirst(prefix.count))] = values }
            try transform.importState(own)
        }
    }
}
