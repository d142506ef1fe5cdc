import FlowRuntime
import FlowTestSupport

/// Reductions (per-sample, per-channel, squared, total, mean) and the standard-normal log-density:
/// the cases of `ReduceCases` and `NormalLogProbCase` (FlowTestSupport), which ReduceTests runs too.
enum ReduceChecks {
    static func run(_ r: CheckRecorder) {
        for shape in ReduceCases.shapes {
            r.run("reduce", "\(shape)") { r.record(try ReduceCases.sums(on: r.testDevice, shape: shape)) }
        }
        for c in NormalLogProbCase.all {
            r.run("normalLogProb", "\(c)") { r.record([try c.run(on: r.testDevice)]) }
        }
    }
}
