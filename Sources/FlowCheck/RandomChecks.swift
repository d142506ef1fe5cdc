import FlowRuntime
import FlowTestSupport

/// The Philox-4x32-10 streams: uniforms exactly the reference's (they are exact in Float),
/// normals within the tests' `normalAtol` of Box–Muller in Double, and both bit-identical to the
/// CPU device's, on streams whose counter wraps its low word, seeds above 2³² and odd counts.
enum RandomChecks {
    static let streams: [(seed: UInt64, counter: UInt64)] = [(0, 0), (42, 7), (0x1234_5678_9ABC_DEF0, 0xFFFF_FFFE), (7, 1 << 40)]
    static let counts = [1, 5, 1001, 100_003]

    static func run(_ r: CheckRecorder, cpu: any Device) {
        for (seed, counter) in streams {
            for count in counts {
                let label = "[\(count)] seed \(seed) counter \(counter)"
                r.run("random", label) {
                    try r.poison(count)
                    let uniform = try Tensor.random([count], .uniform, seed: seed, counter: counter, on: r.device).toArray()
                    r.identical(
                        "random uniform vs reference", label, uniform, Reference.randomUniform(count: count, seed: seed, counter: counter).map { Float($0) })
                    let normal = try Tensor.random([count], .normal, seed: seed, counter: counter, on: r.device)
                    try r.close(
                        "random normal vs reference", label, normal, Reference.randomNormal(count: count, seed: seed, counter: counter), rtol: 0,
                        atol: OpTolerance.normalAtol)
                    // On the CPU itself this would compare the device with itself: nothing to learn.
                    guard r.device !== cpu else { return }
                    let cpuUniform = try Tensor.random([count], .uniform, seed: seed, counter: counter, on: cpu).toArray()
                    r.identical("random uniform vs cpu", label, uniform, cpuUniform)
                    let cpuNormal = try Tensor.random([count], .normal, seed: seed, counter: counter, on: cpu).toArray()
                    r.identical("random normal vs cpu", label, try normal.toArray(), cpuNormal)
                }
            }
        }
    }
}
