import FlowRuntime
import FlowTestSupport

/// Fused affine couplings (both scales, both orders) forward, inverse and backward: the cases of
/// `CouplingCase` (FlowTestSupport), which CouplingTests runs too.
enum CouplingChecks {
    static func run(_ r: CheckRecorder) {
        for c in CouplingCase.all {
            let variant = "\(c.scale)/\(c.order)"
            for shape in CouplingCase.shapes {
                r.run("coupling", "\(shape) \(variant)") { r.record(try c.forwardInverse(on: r.testDevice, shape: shape)) }
            }
            for shape in CouplingCase.backwardShapes {
                r.run("coupling backward", "\(shape) \(variant)") { r.record(try c.backward(on: r.testDevice, shape: shape)) }
            }
        }
    }
}
