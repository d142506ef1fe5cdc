import FlowRuntime
import FlowTestSupport

/// Unary maps and their backward, and the binary ops (plain and broadcast) with their backward:
/// the cases of `UnaryCase`, `BinaryCases` and `BinaryBackwardCase` (FlowTestSupport), which
/// ElementwiseTests runs too.
enum ElementwiseChecks {
    static func run(_ r: CheckRecorder) {
        for c in UnaryCase.all {
            var rng = UnaryCase.random
            for count in UnaryCase.counts {
                r.run("unary \(c.op)", "[\(count)]") { r.record(try c.run(on: r.testDevice, count: count, rng: &rng)) }
            }
        }
        for op in BinaryCases.ops {
            var rng = BinaryCases.random
            for shape in BinaryCases.shapes {
                r.run("binary \(op)", "\(shape)") { r.record(try BinaryCases.forward(on: r.testDevice, op: op, shape: shape, rng: &rng)) }
            }
            r.run("binary \(op)", "[257]") { r.record([try BinaryCases.vector(on: r.testDevice, op: op, rng: &rng)]) }
            for c in BinaryBackwardCase.all {
                r.run("binary \(op) backward", "\(c)") { r.record(try c.run(on: r.testDevice, op: op).comparisons) }
            }
        }
    }
}
