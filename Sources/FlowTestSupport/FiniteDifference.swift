/// Central finite differences in Double, the independent check of every backward op: the device's
/// gradient must match the derivative of the Double reference forward.
public enum FiniteDifference {
    /// `∂f/∂x_i ≈ (f(x + h·e_i) − f(x − h·e_i)) / 2h` with `h = step·max(1, |x_i|)`. With Double
    /// arithmetic and `step = 1e-6` the truncation error (∝ h²) and the cancellation error
    /// (∝ 1e-16·|f|/h) are both around 1e-9 for the O(1)–O(100) losses used in the tests.
    public static func gradient(of f: ([Double]) -> Double, at x: [Double], step: Double = 1e-6) -> [Double] {
        var point = x
        return (0..<x.count).map { i in
            let h = step * Swift.max(1, Swift.abs(x[i]))
            point[i] = x[i] + h
            let plus = f(point)
            point[i] = x[i] - h
            let minus = f(point)
            point[i] = x[i]
            return (plus - minus) / (2 * h)
        }
    }

    /// Gradients of `f` with respect to each of several arrays (input, weight, bias...), each
    /// perturbed one element at a time while the others are held fixed.
    public static func gradients(
        of f: ([[Double]]) -> Double, at inputs: [[Double]], step: Double = 1e-6
    ) -> [[Double]] {
        (0..<inputs.count).map { which in
            var all = inputs
            return gradient(
                of: { values in
                    all[which] = values
                    return f(all)
                }, at: inputs[which], step: step)
        }
    }
}
