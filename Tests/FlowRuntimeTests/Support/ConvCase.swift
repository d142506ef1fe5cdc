import FlowRuntime
import FlowTestSupport

/// One convolution test configuration, with random data drawn from its own seed.
struct ConvCase: Sendable, CustomStringConvertible {
    var batch: Int
    var inChannels: Int
    var outChannels: Int
    var height: Int
    var width: Int
    var kernelH: Int
    var kernelW: Int
    var dilation = 1
    var bias = false
    var masked = false
    /// WaveNet's causal 1-D convolution (`height == 1`, `kernelH == 1`).
    var causal = false

    var description: String {
        "[\(batch), \(inChannels), \(height), \(width)] → \(outChannels), kernel \(kernelH)×\(kernelW), "
            + "dilation \(dilation)\(bias ? ", bias" : "")\(masked ? ", masked" : "")\(causal ? ", causal" : "")"
    }

    /// The geometry written out from the padding rules (not taken from the Tensor layer):
    /// "same" pads `dilation·(k−1)/2` on each side, causal pads `dilation·(k−1)` on the left only.
    var geometry: ConvGeometry {
        ConvGeometry(
            batch: batch, inChannels: inChannels, outChannels: outChannels, height: height, width: width,
            kernelH: kernelH, kernelW: kernelW, dilationH: causal ? 1 : dilation, dilationW: dilation,
            padTop: causal ? 0 : dilation * (kernelH - 1) / 2,
            padLeft: causal ? dilation * (kernelW - 1) : dilation * (kernelW - 1) / 2)
    }

    var inputShape: [Int] { causal ? [batch, inChannels, width] : [batch, inChannels, height, width] }
    var weightShape: [Int] {
        causal ? [outChannels, inChannels, kernelW] : [outChannels, inChannels, kernelH, kernelW]
    }
    var outputShape: [Int] { causal ? [batch, outChannels, width] : [batch, outChannels, height, width] }
    var inputCount: Int { batch * inChannels * height * width }
    var weightCount: Int { outChannels * inChannels * kernelH * kernelW }
    var outputCount: Int { batch * outChannels * height * width }

    /// Random input, weight, bias and mask (all-ones when unmasked).
    func data(seed: UInt64) -> (input: [Double], weight: [Double], bias: [Double]?, mask: [Double]) {
        var rng = SeededRandom(seed: seed)
        let input = rng.floats(inputCount)
        let weight = rng.floats(weightCount)
        let biasValues = bias ? rng.floats(outChannels) : nil
        let maskValues = masked ? rng.mask(weightCount) : [Double](repeating: 1, count: weightCount)
        return (input, weight, biasValues, maskValues)
    }

    /// Runs the forward op through the public Tensor API.
    func forward(on d: TestDevice, input: [Double], weight: [Double], bias: [Double]?, mask: [Double]) throws -> Tensor {
        let x = try d.tensor(input, inputShape)
        let w = try d.tensor(weight, weightShape)
        let b = try bias.map { try d.tensor($0, [outChannels]) }
        let m = masked ? try d.tensor(mask, weightShape) : nil
        try d.poisonCache(outputCount, weightCount)
        if causal { return try x.conv1dCausal(weight: w, bias: b, dilation: dilation) }
        return try x.conv2d(weight: w, bias: b, mask: m, dilation: dilation)
    }

    /// Runs the backward op through the public Tensor API.
    func backward(on d: TestDevice, input: [Double], weight: [Double], mask: [Double], gradOutput: [Double]) throws
        -> ConvGradients
    {
        let x = try d.tensor(input, inputShape)
        let w = try d.tensor(weight, weightShape)
        let g = try d.tensor(gradOutput, outputShape)
        let m = masked ? try d.tensor(mask, weightShape) : nil
        try d.poisonCache(inputCount, weightCount, outChannels)
        if causal {
            return try Tensor.conv1dCausalBackward(input: x, weight: w, hasBias: bias, gradOutput: g, dilation: dilation)
        }
        return try Tensor.conv2dBackward(
            input: x, weight: w, mask: m, hasBias: bias, gradOutput: g, dilation: dilation)
    }
}
