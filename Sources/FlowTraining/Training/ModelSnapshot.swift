import FlowLayers
import FlowRuntime
import Foundation

/// Converts a model (and its optimizer) to the tensors of a safetensors file and back.
///
/// Names: `param/<parameter name>` for weights (the dotted names of the model, e.g.
/// `param/realnvp.coupling0.net.layer0.weight`, PyTorch's `[out, in]` layout), `adam.m/<name>`
/// and `adam.v/<name>` for the optimizer moments, `state/<transform>.<key>` for non-trained
/// tensor state; stream positions and flags of the model state go to the JSON manifest.
public enum ModelSnapshot {
    public struct TrainingError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    public static func tensors(flow: Flow, adam: Adam?) throws -> (tensors: [String: SafeTensors.Entry], other: [String: TransformStateValue]) {
        var tensors: [String: SafeTensors.Entry] = [:]
        for parameter in flow.parameters {
            let values = try parameter.value.toArray()
            // A non-finite parameter is never written: the previous checkpoint stays the newest.
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw TrainingError(message: "parameter \(parameter.name) has a non-finite value at element \(bad); not saving it")
            }
            tensors["param/\(parameter.name)"] = .init(shape: parameter.shape, values: values)
        }
        if let adam {
            for (parameter, moment) in zip(adam.parameters, adam.moments) {
                tensors["adam.m/\(parameter.name)"] = .init(shape: parameter.shape, values: try moment.m.toArray())
                tensors["adam.v/\(parameter.name)"] = .init(shape: parameter.shape, values: try moment.v.toArray())
            }
        }
        var other: [String: TransformStateValue] = [:]
        for (key, value) in try flow.exportState() {
            if case let .values(values) = value {
                tensors["state/\(key)"] = .init(shape: [values.count], values: values)
            } else {
                other[key] = value
            }
        }
        return (tensors, other)
    }

    /// Loads parameters (and optimizer moments when `adam` is given) and state into the model.
    public static func restore(
        flow: Flow, adam: Adam?, adamStep: Int, from tensors: [String: SafeTensors.Entry], other: [String: TransformStateValue],
        source: String
    ) throws {
        for parameter in flow.parameters {
            guard let entry = tensors["param/\(parameter.name)"] else {
                throw TrainingError(message: "\(source): no tensor for parameter \(parameter.name): the checkpoint is from another model")
            }
            guard entry.shape == parameter.shape else {
                throw TrainingError(message: "\(source): parameter \(parameter.name) has shape \(entry.shape), the model expects \(parameter.shape)")
            }
            parameter.value = try Tensor(entry.values, shape: entry.shape, on: parameter.device)
        }
        if let adam {
            let moments = try adam.parameters.map { parameter -> (m: Tensor, v: Tensor) in
                guard let m = tensors["adam.m/\(parameter.name)"], let v = tensors["adam.v/\(parameter.name)"] else {
                    throw TrainingError(message: "\(source): no optimizer state for \(parameter.name)")
                }
                return (try Tensor(m.values, shape: parameter.shape, on: parameter.device), try Tensor(v.values, shape: parameter.shape, on: parameter.device))
            }
            try adam.restore(moments: moments, step: adamStep)
        }
        var state = other
        for (name, entry) in tensors where name.hasPrefix("state/") {
            state[String(name.dropFirst("state/".count))] = .values(entry.values)
        }
        try flow.importState(state)
    }
}
