import FlowRuntime
import FlowTestSupport

/// The (masked) linear layer and its backward: the cases of `LinearCase` (FlowTestSupport),
/// which GemmTests.linearForward and LinearBackwardTests run too.
enum LinearChecks {
    static func run(_ r: CheckRecorder) {
        for c in LinearCase.forward {
            r.run("linear", "\(c)") { r.record([try c.runForward(on: r.testDevice)]) }
        }
        for c in LinearCase.backward {
            r.run("linearBackward", "\(c)") { r.record(try c.runBackward(on: r.testDevice)) }
        }
    }
}
