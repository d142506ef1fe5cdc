import FlowRuntime
import FlowTestSupport

/// Matrix products: the cases of `GemmCases` (FlowTestSupport), which GemmTests runs too — every
/// transpose pair of the awkward shapes, strided and blocked products, groups and row chains.
enum GemmChecks {
    static func run(_ r: CheckRecorder) {
        for shape in GemmCases.shapes {
            var rng = GemmCases.random(for: shape)
            for pair in GemmCases.transposePairs {
                let spec = GemmSpec(m: shape[0], n: shape[1], k: shape[2], transposeA: pair.a, transposeB: pair.b)
                r.run("gemm", GemmCases.label(spec)) {
                    r.record([try GemmCases.matmul(on: r.testDevice, shape: shape, transposeA: pair.a, transposeB: pair.b, rng: &rng)])
                }
            }
        }
        for product in GemmCases.strided {
            r.run("gemm batched", "\(product)") { r.record([try product.runOnDevice(r.testDevice, op: "gemm batched")]) }
        }
        for product in GemmCases.blocks {
            r.run("gemm block", "\(product)") { r.record([try product.run(on: r.testDevice, op: "gemm block")]) }
        }
        for group in GemmCases.groups {
            for usingCapability in [true, false] {
                r.run("gemmGroup", "\(group)\(usingCapability ? "" : ", generic")") {
                    r.record([try group.run(on: r.testDevice, usingCapability: usingCapability)])
                }
            }
        }
        for chain in GemmCases.rowChains {
            for usingCapability in [true, false] {
                r.run("gemmRowChain", "\(chain)\(usingCapability ? "" : ", generic")") {
                    r.record(try chain.run(on: r.testDevice, usingCapability: usingCapability))
                }
            }
        }
    }
}
