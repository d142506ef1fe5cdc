import FlowRuntime
import FlowTestSupport

/// Rational-quadratic splines forward, inverse and backward: the cases of `SplineCase`
/// (FlowTestSupport), which SplineTests and SplineBackwardTests run too.
enum SplineChecks {
    static func run(_ r: CheckRecorder) {
        for c in SplineCase.standard {
            for shape in SplineCase.shapes {
                r.run("spline", "\(shape) K=\(c.options.bins)") { r.record(try c.forwardInverse(on: r.testDevice, shape: shape)) }
            }
            for shape in SplineCase.backwardShapes {
                r.run("spline backward", "\(shape) K=\(c.options.bins)") { r.record(try c.backward(on: r.testDevice, shape: shape)) }
            }
        }
    }
}
