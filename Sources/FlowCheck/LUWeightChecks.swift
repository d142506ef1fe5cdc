import FlowRuntime
import FlowTestSupport

/// Glow's LU-parametrised 1×1-convolution weight (`Tensor.luWeight`, one op each way on a device
/// with `LUWeightCapable`) through the capability and the fallback: the cases of `LUWeightCase`
/// (FlowTestSupport), which LUWeightOpTests runs too.
enum LUWeightChecks {
    static func run(_ r: CheckRecorder) {
        for usingCapability in [true, false] {
            let path = usingCapability ? "" : ", fallback"
            for c in LUWeightCase.forward {
                r.run("lu weight", "\(c)\(path)") { r.record(try c.runForward(on: r.testDevice, usingCapability: usingCapability)) }
            }
            for c in LUWeightCase.backward {
                r.run("lu weight backward", "\(c)\(path)") { r.record(try c.runBackward(on: r.testDevice, usingCapability: usingCapability)) }
            }
        }
    }
}
