import FlowBench
import FlowLayers
import FlowRuntime
import Foundation
import Testing

/// W5 `nsf-d16` is built as `bench/WORKLOADS.md` defines it: `bench/peers.py` loads its weights
/// by these names and shapes into nflows, so a drift here would break the cross-check.
struct WorkloadTests {
    @Test func w5IsAcceptedByIdAndName() {
        for name in ["W5", "w5", "nsf-d16", "NSF-D16"] { #expect(Workload(name: name) == .w5, "\(name)") }
        #expect(Workload.w5.title == "nsf-d16")
        #expect(Workload.w5.batchSize == 256)
        #expect(Workload.w5.eventShape == [16])
        #expect(Workload(name: "W6") == nil)
    }

    /// Four couplings of MLP 8 → 128 → 128 → 8·(3·8 − 1), named `nsf.coupling<k>.net.layer<i>`,
    /// Linear weights `(out, in)`: 165,600 parameters.
    @Test func w5HasTheDocumentedParameters() throws {
        let flow = try Workload.w5.makeFlow(seed: 0, on: DeviceRegistry.device(named: "cpu"))
        var expected: [String: [Int]] = [:]
        for k in 0..<4 {
            for (i, (outputs, inputs)) in [(128, 8), (128, 128), (184, 128)].enumerated() {
                expected["nsf.coupling\(k).net.layer\(i).weight"] = [outputs, inputs]
                expected["nsf.coupling\(k).net.layer\(i).bias"] = [outputs]
            }
        }
        let actual = Dictionary(uniqueKeysWithValues: flow.parameters.map { ($0.name, $0.shape) })
        #expect(actual == expected)
        #expect(flow.parameters.reduce(0) { $0 + $1.value.count } == 165_600)
    }

    /// W5 trains on exactly W2's batches, so the spline flow and the MAF see the same data.
    @Test func w5DrawsW2sData() throws {
        let pool = try Workload.w5.pool(seed: 0, batches: 2)
        let w2 = try Workload.w2.pool(seed: 0, batches: 2)
        #expect(pool == w2)
        let cpu = try DeviceRegistry.device(named: "cpu")
        let flow = try Workload.w5.makeFlow(seed: 0, on: cpu)
        let logProb = try flow.logProb(Tensor(pool[0], shape: [256, 16], on: cpu)).toArray()
        #expect(logProb.count == 256)
        #expect(logProb.allSatisfy { $0.isFinite })
    }
}
