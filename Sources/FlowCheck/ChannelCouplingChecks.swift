import FlowRuntime
import FlowTestSupport

/// The affine coupling on channels from whole tensors (`Tensor.channelAffineCoupling`, one op on a
/// device with `ChannelCouplingCapable`) forward, inverse and backward through the capability and
/// the fallback: the cases of `ChannelCouplingCase` (FlowTestSupport), which
/// ChannelCouplingOpTests runs too.
enum ChannelCouplingChecks {
    static func run(_ r: CheckRecorder) {
        for c in ChannelCouplingCase.all {
            let spec = c.spec
            let shapes = "[\(spec.batch), \(spec.channels), \(spec.positions)] kept \(spec.kept)\(spec.interleaved ? " interleaved" : "")"
            for usingCapability in [true, false] {
                let label = shapes + (usingCapability ? "" : ", fallback")
                r.run("channel coupling", label) { r.record(try c.forwardInverse(on: r.testDevice, usingCapability: usingCapability)) }
                r.run("channel coupling backward", label) { r.record(try c.backward(on: r.testDevice, usingCapability: usingCapability)) }
            }
        }
    }
}
