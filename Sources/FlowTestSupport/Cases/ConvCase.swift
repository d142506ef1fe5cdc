import FlowRuntime

/// One convolution op case (2-D "same", WaveNet's causal 1-D), with random data drawn from its own
/// seed, written once with the lists of cases that ConvTests, ConvBackwardTests and `flowkit
/// check` run: each output against the Double reference with `Tolerance.accumulated` over its
/// terms plus `OpTolerance.convRtol` / `convBackwardRtol` (whose reasons the tests give).
public struct ConvCase: Sendable, CustomStringConvertible {
    public var batch: Int
    public var inChannels: Int
    public var outChannels: Int
    public var height: Int
    public var width: Int
    public var kernelH: Int
    public var kernelW: Int
    public var dilation: Int
    public var bias: Bool
    public var masked: Bool
    /// WaveNet's causal 1-D convolution (`height == 1`, `kernelH == 1`).
    public var causal: Bool
    /// The seed of the case's input, weight, bias and mask.
    public var seed: UInt64
    /// The seed of the backward's ∂L/∂output.
    public var gradientSeed: UInt64

    public init(
        batch: Int, inChannels: Int, outChannels: Int, height: Int, width: Int, kernelH: Int, kernelW: Int, dilation: Int = 1,
        bias: Bool = false, masked: Bool = false, causal: Bool = false, seed: UInt64 = 0, gradientSeed: UInt64 = 0
    ) {
        (self.batch, self.inChannels, self.outChannels, self.height, self.width) = (batch, inChannels, outChannels, height, width)
        (self.kernelH, self.kernelW, self.dilation) = (kernelH, kernelW, dilation)
        (self.bias, self.masked, self.causal) = (bias, masked, causal)
        (self.seed, self.gradientSeed) = (seed, gradientSeed)
    }

    public var description: String {
        "[\(batch), \(inChannels), \(height), \(width)] → \(outChannels), kernel \(kernelH)×\(kernelW), "
            + "dilation \(dilation)\(bias ? ", bias" : "")\(masked ? ", masked" : "")\(causal ? ", causal" : "")"
    }

    /// The geometry written out from the padding rules (not taken from the Tensor layer):
    /// "same" pads `dilation·(k−1)/2` on each side, causal pads `dilation·(k−1)` on the left only.
    public var geometry: ConvGeometry {
        ConvGeometry(
            batch: batch, inChannels: inChannels, outChannels: outChannels, height: height, width: width,
            kernelH: kernelH, kernelW: kernelW, dilationH: causal ? 1 : dilation, dilationW: dilation,
            padTop: causal ? 0 : dilation * (kernelH - 1) / 2,
            padLeft: causal ? dilation * (kernelW - 1) : dilation * (kernelW - 1) / 2)
    }

    public var inputShape: [Int] { causal ? [batch, inChannels, width] : [batch, inChannels, height, width] }
    public var weightShape: [Int] {
        causal ? [outChannels, inChannels, kernelW] : [outChannels, inChannels, kernelH, kernelW]
    }
    public var outputShape: [Int] { causal ? [batch, outChannels, width] : [batch, outChannels, height, width] }
    public var inputCount: Int { batch * inChannels * height * width }
    public var weightCount: Int { outChannels * inChannels * kernelH * kernelW }
    public var outputCount: Int { batch * outChannels * height * width }

    /// Random input, weight, bias and mask (all-ones when unmasked).
    public func data(seed: UInt64) -> (input: [Double], weight: [Double], bias: [Double]?, mask: [Double]) {
        var rng = SeededRandom(seed: seed)
        let input = rng.floats(inputCount)
        let weight = rng.floats(weightCount)
        let biasValues = bias ? rng.floats(outChannels) : nil
        let maskValues = masked ? rng.mask(weightCount) : [Double](repeating: 1, count: weightCount)
        return (input, weight, biasValues, maskValues)
    }

    /// Runs the forward op through the public Tensor API.
    public func forward(on d: TestDevice, input: [Double], weight: [Double], bias: [Double]?, mask: [Double]) throws -> Tensor {
        let x = try d.tensor(input, inputShape)
        let w = try d.tensor(weight, weightShape)
        let b = try bias.map { try d.tensor($0, [outChannels]) }
        let m = masked ? try d.tensor(mask, weightShape) : nil
        try d.poisonCache(outputCount, weightCount)
        if causal { return try x.conv1dCausal(weight: w, bias: b, dilation: dilation) }
        return try x.conv2d(weight: w, bias: b, mask: m, dilation: dilation)
    }

    /// Runs the backward op through the public Tensor API.
    public func backward(on d: TestDevice, input: [Double], weight: [Double], mask: [Double], gradOutput: [Double]) throws
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

    /// The row name of the case's op.
    public var op: String { causal ? "conv1d causal" : "conv2d" }

    /// The forward on `data(seed: seed)` against `Reference.conv2d` (the causal case as a 2-D
    /// convolution of one row padded on the left): `C·kh·kw` products plus the bias per output.
    public func runForward(on d: TestDevice) throws -> OpComparison {
        let data = data(seed: seed)
        let output = try forward(on: d, input: data.input, weight: data.weight, bias: data.bias, mask: data.mask)
        try OpCaseError.requireShape(op, output.shape, outputShape)
        let weight = Reference.multiply(data.weight, data.mask)
        let expected = Reference.conv2d(geometry, input: data.input, weight: weight, bias: data.bias)
        let magnitude = Reference.conv2dMagnitude(geometry, input: data.input, weight: weight, bias: data.bias)
        return try OpComparison(
            op: op, output, expected, rtol: OpTolerance.convRtol,
            atol: Tolerance.accumulated(terms: inChannels * kernelH * kernelW + 1, magnitude: magnitude))
    }

    /// The backward on `data(seed: seed)` and a ∂L/∂output from `gradientSeed` against the
    /// reference: ∂input sums `O·kh·kw` terms, ∂weight (masked) and ∂bias `B·H·W` terms.
    public func runBackward(on d: TestDevice) throws -> [OpComparison] {
        let data = data(seed: seed)
        var rng = SeededRandom(seed: gradientSeed)
        let gradOutput = rng.floats(outputCount)
        let grads = try backward(on: d, input: data.input, weight: data.weight, mask: data.mask, gradOutput: gradOutput)
        let weight = Reference.multiply(data.weight, data.mask)
        let expected = Reference.conv2dBackward(geometry, input: data.input, weight: weight, gradOutput: gradOutput)
        let magnitude = Reference.conv2dBackwardMagnitude(geometry, input: data.input, weight: weight, gradOutput: gradOutput)
        let perOutput = batch * height * width
        let (name, rtol) = ("\(op) backward", OpTolerance.convBackwardRtol)
        var comparisons = [
            try OpComparison(
                op: "\(name) ∂input", grads.input, expected.input, rtol: rtol,
                atol: Tolerance.accumulated(terms: outChannels * kernelH * kernelW, magnitude: magnitude.input)),
            try OpComparison(
                op: "\(name) ∂weight", grads.weight, Reference.multiply(expected.weight, data.mask), rtol: rtol,
                atol: Tolerance.accumulated(terms: perOutput, magnitude: magnitude.weight)),
        ]
        switch (bias, grads.bias) {
        case (true, let gradBias?):
            comparisons.append(
                try OpComparison(
                    op: "\(name) ∂bias", gradBias, expected.bias, rtol: rtol,
                    atol: Tolerance.accumulated(terms: perOutput, magnitude: magnitude.bias)))
        case (true, nil): throw OpCaseError.missing(op: name, output: "bias gradient")
        case (false, _?): throw OpCaseError.unexpected(op: name, output: "bias gradient for a convolution without a bias")
        case (false, nil): break
        }
        return comparisons
    }
}
