import FlowLayers
import FlowRuntime
import FlowTraining
import Testing

/// The README's Swift example, verbatim apart from the test wrapper, so it cannot rot.
struct ReadmeExampleTests {
    @Test func swiftAPIExampleRuns() throws {
        let device = try DeviceRegistry.defaultDevice()                      // $FLOWKIT_DEVICE, else cpu
        var random = RandomStream(seed: 0)
        let flow = try RealNVP(features: 2, layers: 8, hidden: 128).makeFlow(random: &random, on: device)
        let adam = try Adam(parameters: flow.parameters)
        for _ in 0..<100 {
            let x = try Tensor(ToyDensity.banana.sample(512, random: &random), shape: [512, 2], on: device)
            flow.zeroGrad()
            let (loss, _) = try flow.meanNLLBackward(x)                      // mean NLL; gradients in parameter.grad
            try adam.update(learningRate: 1e-3)
            _ = loss
        }
        let (samples, logProb) = try flow.sampleAndLogProb(100, random: &random, on: device)   // [100, 2], [100]
        #expect(samples.shape == [100, 2] && logProb.shape == [100])
        #expect(try logProb.toArray().allSatisfy(\.isFinite))
    }
}
