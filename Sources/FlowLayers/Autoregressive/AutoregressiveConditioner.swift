import FlowRuntime

/// A conditioner whose output is autoregressive in its input: with the input's positions split
/// into autoregressive units (features of `[B, D]` vectors, pixels of `[B, C, H, W]` images in
/// raster order, steps of `[B, C, T]` sequences), the output at a unit depends only on the units
/// strictly before it (and on the context). The output has twice the input's axis-1 size: the
/// shifts `μ` first, then the log-scales `α`, each shaped like the input.
///
/// This is what `AutoregressiveAffine` needs to be invertible with a triangular Jacobian; the
/// masked MLP (`MADE`), masked convolutions (`PixelCNN`) and dilated causal convolutions
/// (`WaveNet`) are its three implementations.
public protocol AutoregressiveConditioner: Conditioner {
    /// How many sequential passes solve the autoregressive recursion for inputs of `eventShape`
    /// (the input shape without the batch): one per unit, since pass `k` fixes the `k`-th unit.
    func sequentialPasses(eventShape: [Int]) -> Int

    /// `∂L/∂input` for the given `∂L/∂output` at the taped point, without touching parameter
    /// gradients. The inverse-autoregressive backward iterates this vector–Jacobian product to
    /// solve its triangular system, so it must not accumulate into the parameters.
    func inputGradient(_ tape: any BijectorTape, gradOutput: Tensor) throws -> Tensor
}

extension AutoregressiveConditioner {
    /// `(μ, α)` cut from a conditioner output along axis 1.
    func shiftAndLogScale(_ output: Tensor) throws -> (shift: Tensor, logScale: Tensor) {
        guard output.rank >= 2, output.shape[1] % 2 == 0 else {
            throw FlowError.shapeMismatch(op: "AutoregressiveConditioner", detail: "output \(output.shape) has no even axis 1 to cut into μ and α")
        }
        let parts = try output.split([output.shape[1] / 2, output.shape[1] / 2])
        return (parts[0], parts[1])
    }
}
