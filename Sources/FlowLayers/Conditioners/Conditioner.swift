import FlowRuntime

/// A network that computes a transform's parameters (shift and scale of a coupling, μ and α of a
/// MADE) from the conditioning part of the input and the optional context.
public protocol Conditioner: ParameterOwner {
    func forward(_ input: Tensor, context: Tensor?) throws -> (output: Tensor, tape: any BijectorTape)
    /// Accumulates parameter gradients; returns `∂L/∂input` and `∂L/∂context`.
    func backward(_ tape: any BijectorTape, gradOutput: Tensor) throws -> BijectorGradients
}

/// How a layer's parameters start.
public enum Initialization: Sendable {
    /// PyTorch's default for Linear/Conv: weights and biases `U(±1/√fan_in)`.
    case uniformFanIn
    /// All zeros: the last layer of every conditioner, so each transform starts as the identity.
    case zeros
}

extension Initialization {
    func tensor(_ shape: [Int], fanIn: Int, random: inout RandomStream, on device: any Device) throws -> Tensor {
        switch self {
        case .zeros:
            return try Tensor.zeros(shape, on: device)
        case .uniformFanIn:
            let bound = 1 / Float(max(1, fanIn)).squareRoot()
            return try random.uniform(shape, low: -bound, high: bound, on: device)
        }
    }
}
