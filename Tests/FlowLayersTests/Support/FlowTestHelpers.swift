import FlowLayers
import FlowRuntime
import FlowTestSupport
import Foundation

/// Shared steps of the transform tests.
enum FlowTestHelpers {
    /// Adds `scale · N(0, 1)` to every parameter (deterministic per seed).
    static func perturb(_ parameters: [Parameter], scale: Float, random: inout RandomStream) throws {
        guard scale > 0 else { return }
        for parameter in parameters {
            let noise = try random.next(parameter.shape, .normal, on: parameter.device).scaled(by: scale)
            parameter.value = try parameter.value.adding(noise)
        }
    }

    static func doubles(_ tensor: Tensor) throws -> [Double] { try tensor.toArray().map(Double.init) }

    /// A copy of `base` with `delta` added (host round trip; tests only).
    static func shifted(_ base: Tensor, by delta: [Double]) throws -> Tensor {
        let values = try base.toArray()
        return try Tensor(zip(values, delta).map { Float(Double($0) + $1) }, shape: base.shape, on: base.device)
    }

    /// Mean negative log-likelihood in Double from the per-sample log-densities.
    static func meanNLL(_ flow: Flow, _ x: Tensor, context: Tensor?) throws -> Double {
        let logProb = try flow.logProb(x, context: context).toArray()
        return -logProb.reduce(0.0) { $0 + Double($1) } / Double(logProb.count)
    }

    /// `|a − b| ≤ atol + rtol·|b|`, with a message naming what was compared.
    static func close(_ a: Double, _ b: Double, rtol: Double, atol: Double) -> Bool {
        abs(a - b) <= atol + rtol * abs(b) && a.isFinite == b.isFinite
    }
}
