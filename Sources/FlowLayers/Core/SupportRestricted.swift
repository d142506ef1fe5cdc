import FlowRuntime

/// A transform defined on part of its input space only: outside it the model it belongs to puts
/// no mass, so the log-density there is −inf. Dequantizers (integer levels `0…L−1`) and a VAE
/// with a discrete decoder (0/1, integer levels) are restricted. Their forward pass still
/// evaluates its expression for any real input (the data gradient the gradient tests check is
/// defined there); `Flow.dataInSupport` asks the model's first transform, and `Evaluator` (what
/// `flowkit logprob`, `eval` and the service use) answers −inf outside.
public protocol SupportRestricted: Bijector {
    /// Per sample of `x` (the transform's input), whether it lies in the support (host read-back).
    func inSupport(_ x: Tensor) throws -> [Bool]
}

extension Tensor {
    /// Per sample (axis 0), whether every element satisfies `predicate`, evaluated on the host.
    public func rowsSatisfying(_ predicate: (Float) -> Bool) throws -> [Bool] {
        let values = try toArray()
        let width = batch == 0 ? 0 : count / batch
        return (0..<batch).map { row in values[(row * width)..<((row + 1) * width)].allSatisfy(predicate) }
    }
}
