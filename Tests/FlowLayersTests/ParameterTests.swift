import FlowLayers
import FlowRuntime
import FlowTestSupport
import Testing

@Suite struct ParameterTests {
    /// A taken gradient becomes the accumulated one; later gradients, taken or not, add onto it;
    /// a wrong shape is refused either way; `version` moves on assignment and `markModified`.
    @Test(arguments: TestDevices.all)
    func accumulationAndVersions(_ d: TestDevice) throws {
        let parameter = Parameter("p", try Tensor([1, 2, 3], shape: [3], on: d.device))
        try parameter.accumulate(taking: Tensor([0.5, 0, -1], shape: [3], on: d.device))
        try parameter.accumulate(Tensor([1, 1, 1], shape: [3], on: d.device))
        try parameter.accumulate(taking: Tensor([2, 0, 0], shape: [3], on: d.device))
        #expect(try #require(parameter.grad).toArray() == [3.5, 1, 0])
        #expect(throws: FlowError.self) { try parameter.accumulate(taking: Tensor([1, 2], shape: [2], on: d.device)) }
        parameter.zeroGrad()
        #expect(throws: FlowError.self) { try parameter.accumulate(taking: Tensor([1, 2], shape: [2], on: d.device)) }
        #expect(parameter.grad == nil)

        let start = parameter.version
        parameter.value = try Tensor([0, 0, 0], shape: [3], on: d.device)
        #expect(parameter.version != start)
        let assigned = parameter.version
        parameter.markModified()
        #expect(parameter.version != assigned)
    }
}
