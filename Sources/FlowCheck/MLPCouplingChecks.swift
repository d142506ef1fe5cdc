import FlowRuntime
import FlowTestSupport

/// The vector coupling with its MLP conditioner as one op (`Tensor.mlpAffineCoupling`, which a
/// device may run whole through `MLPCouplingCapable`) forward, inverse and backward, through the
/// capability and the fallback: the cases of `MLPCouplingCase` (FlowTestSupport), which
/// MLPCouplingOpTests runs too.
enum MLPCouplingChecks {
    static func run(_ r: CheckRecorder) {
        for c in MLPCouplingCase.all {
            for usingCapability in [true, false] {
                r.run("mlp coupling", "\(c)\(usingCapability ? "" : ", fallback")") {
                    r.record(try c.run(on: r.testDevice, usingCapability: usingCapability))
                }
            }
        }
    }
}
