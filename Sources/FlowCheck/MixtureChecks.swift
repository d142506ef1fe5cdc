import FlowRuntime
import FlowTestSupport

/// Flow++ logistic-mixture CDF transformers forward, inverse (bisection) and backward: the cases
/// of `LogisticMixtureCase` (FlowTestSupport), which LogisticMixtureTests and
/// LogisticMixtureBackwardTests run too.
enum MixtureChecks {
    static func run(_ r: CheckRecorder) {
        for c in LogisticMixtureCase.standard {
            for shape in LogisticMixtureCase.shapes {
                r.run("mixture", "\(shape) K=\(c.k)") { r.record(try c.forwardInverse(on: r.testDevice, shape: shape)) }
            }
            for shape in LogisticMixtureCase.backwardShapes {
                r.run("mixture backward", "\(shape) K=\(c.k)") { r.record(try c.backward(on: r.testDevice, shape: shape)) }
            }
        }
    }
}
