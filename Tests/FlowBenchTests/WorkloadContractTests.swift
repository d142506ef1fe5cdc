import FlowBench
import FlowLayers
import FlowRuntime
import Testing

/// W1–W4 are built as `bench/WORKLOADS.md` defines them: the parameter counts the contract
/// states, and MAFs with the paper's unbounded log-scales (`bench/peers.py` compares against
/// exactly these models).
struct WorkloadContractTests {
    static func cpu() throws -> any Device { try DeviceRegistry.device(named: "cpu") }

    /// Free parameters as the contract counts them: of the LU 1×1 convolution's dense `lower`
    /// and `upper` matrices only the strict triangles (`C(C−1)/2` each) can change the output.
    static func freeParameterCount(_ flow: Flow) -> Int {
        flow.parameters.reduce(0) { total, parameter in
            let triangular = parameter.name.hasSuffix(".lower") || parameter.name.hasSuffix(".upper")
            guard triangular, parameter.shape.count == 2, parameter.shape[0] == parameter.shape[1] else {
                return total + parameter.value.count
            }
            return total + parameter.shape[0] * (parameter.shape[0] - 1) / 2
        }
    }

    @Test func w1HasTheContractsParameterCount() throws {
        let flow = try Workload.w1.makeFlow(seed: 1, on: Self.cpu())
        #expect(flow.parameters.reduce(0) { $0 + $1.value.count } == 136_208)
        #expect(flow.chain.transforms.count == 8)
    }

    @Test func w4HasTheContractsParameterCount() throws {
        let flow = try Workload.w4.makeFlow(seed: 1, on: Self.cpu())
        #expect(Self.freeParameterCount(flow) == 75_728)
        // Dense storage of L and U, as normflows counts it.
        #expect(flow.parameters.reduce(0) { $0 + $1.value.count } == 76_096)
        #expect(flow.parameters.contains { $0.name == "glow.level1.step3.coupling.net.conv2.weight" })
        #expect(Set(flow.parameters.map(\.name)).count == flow.parameters.count, "parameter names are unique")
    }

    /// W2 and W3 are unbounded MAFs of 5 blocks (`α = a`, the paper's form), whatever a config's
    /// default log-scale bound becomes.
    @Test func mafWorkloadsStayUnbounded() throws {
        for workload in [Workload.w2, .w3] {
            let flow = try workload.makeFlow(seed: 0, on: Self.cpu())
            let blocks = flow.chain.transforms.compactMap { $0 as? MAF }.flatMap(\.blocks)
            let unbounded = blocks.allSatisfy { $0.logScaleBound == .unbounded }
            #expect(blocks.count == 5 && unbounded, "\(workload)")
        }
    }
}
