import FlowRuntime
import FlowTestSupport

/// Convolutions (2-D "same", WaveNet's causal 1-D) forward and backward: the cases of `ConvCases`
/// (FlowTestSupport), which ConvTests and ConvBackwardTests run too.
enum ConvChecks {
    static func run(_ r: CheckRecorder) {
        for c in ConvCases.forward + ConvCases.causal {
            r.run(c.op, "\(c)") { r.record([try c.runForward(on: r.testDevice)]) }
        }
        for c in ConvCases.backward {
            r.run("\(c.op) backward", "\(c)") { r.record(try c.runBackward(on: r.testDevice)) }
        }
    }
}
