import FlowRuntime

extension Tensor {
    /// `[B]` → `[B, columns]`, every row filled with its sample's value: per-sample factors (a
    /// log-det's gradient) applied to per-feature terms. The elementwise ops broadcast only along
    /// axis 1, so this is the product `[B, 1] · [1, columns]` of ones.
    func broadcastRows(columns: Int) throws -> Tensor {
        guard rank == 1 else {
            throw FlowError.shapeMismatch(op: "broadcastRows", detail: "expected a [B] tensor, got \(shape)")
        }
        return try reshaped([batch, 1]).matmul(Tensor.full([1, columns], value: 1, on: device))
    }

    /// Each row of `[B, n]` scaled by its sample's factor in `perSample` (`[B]`).
    func scaledByRows(_ perSample: Tensor) throws -> Tensor {
        guard rank == 2, perSample.shape == [batch] else {
            throw FlowError.shapeMismatch(op: "scaledByRows", detail: "\(shape) by \(perSample.shape): need [B, n] and [B]")
        }
        return try multiplying(perSample.broadcastRows(columns: shape[1]))
    }
}
