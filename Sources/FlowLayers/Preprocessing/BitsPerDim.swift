import Foundation

/// Bits per dimension of discrete data: the NLL of the data in nats, divided by `ln 2 · dimensions`
/// (`dimensions = C·H·W` for images).
///
/// `nll` must be the discrete data's NLL, i.e. `−flow.logProb(v)` with the dequantization and every
/// preprocessing log-det inside the flow (`UniformDequantization`, `RangeScaling`,
/// `LogitTransform`), so that it is measured against the integer data, not the preprocessed values.
/// For the 8×8 digits (17 levels) this is `(−log q(x) + 64·ln 17)/(64·ln 2)`; a uniform model
/// scores exactly `log₂ L` for `L` levels (n for n-bit data, log₂ 17 ≈ 4.087 for the digits).
public func bitsPerDim(nll: Double, dimensions: Int) -> Double {
    nll / (log(2.0) * Double(dimensions))
}
