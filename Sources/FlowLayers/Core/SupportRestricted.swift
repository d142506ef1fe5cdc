import FlowRuntime

/// A transform defined on part of its input space only: outside it the model it belongs to puts
/// no mass, so the log-density there is −inf (`RangeMonitor` settles such samples before the
/// transform runs, instead of computing a number for a value the model cannot produce).
/// Dequantizers (integer levels `0…L−1`) and a VAE with a discrete decoder are restricted.
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
