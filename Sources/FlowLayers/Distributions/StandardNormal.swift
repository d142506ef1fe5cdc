import FlowRuntime

/// `N(0, I)` over the event shape; no parameters.
public final class StandardNormal: BaseDistribution {
    public let eventShape: [Int]
    public var parameters: [Parameter] { [] }

    public init(eventShape: [Int]) { self.eventShape = eventShape }

    public func logProb(_ z: Tensor, context: Tensor?) throws -> Tensor {
        try checkShape(z)
        return try z.normalLogProb()
    }

    /// `∂ log N(z) / ∂z = −z`, scaled per sample by `∂L/∂logProb`.
    public func logProbBackward(_ z: Tensor, context: Tensor?, gradLogProb: Tensor) throws -> BijectorGradients {
        try checkShape(z)
        let flat = try z.flattenedBatch()
        let grad = try flat.unary(.scale(-1)).multiplyingRows(by: gradLogProb)
        return BijectorGradients(input: try grad.reshaped(z.shape), context: nil)
    }

    public func sample(count: Int, context: Tensor?, random: inout RandomStream, temperature: Float, on device: any Device) throws -> Tensor {
        let noise = try random.next([count] + eventShape, .normal, on: device)
        return temperature == 1 ? noise : try noise.scaled(by: temperature)
    }

    private func checkShape(_ z: Tensor) throws {
        guard Array(z.shape.dropFirst()) == eventShape else {
            throw FlowError.shapeMismatch(op: "StandardNormal.logProb", detail: "latent \(z.shape), expected [B] + \(eventShape)")
        }
    }
}

extension Tensor {
    /// `[B, n]` with row `b` multiplied by `factors[b]` (`factors: [B]`).
    public func multiplyingRows(by factors: Tensor) throws -> Tensor {
        let rows = try reshaped([1, batch, batch == 0 ? 0 : count / batch])  // rows on axis 1, which broadcasts
        return try rows.applying(.multiply, factors).reshaped(shape)
    }
}
