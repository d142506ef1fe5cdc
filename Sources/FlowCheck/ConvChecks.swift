import FlowRuntime
import FlowTestSupport

/// Convolutions (2-D "same", WaveNet's causal 1-D) forward and backward against the Double
/// reference, with the tests' bounds: `Tolerance.accumulated` over the terms of each output plus
/// `convRtol` / `convBackwardRtol`.
enum ConvChecks {
    struct Case {
        var batch: Int, inChannels: Int, outChannels: Int, height: Int, width: Int, kernel: (h: Int, w: Int)
        var dilation = 1
        var bias = true
        var masked = false
        var causal = false

        var geometry: ConvGeometry {
            ConvGeometry(
                batch: batch, inChannels: inChannels, outChannels: outChannels, height: height, width: width,
                kernelH: kernel.h, kernelW: kernel.w, dilationH: causal ? 1 : dilation, dilationW: dilation,
                padTop: causal ? 0 : dilation * (kernel.h - 1) / 2,
                padLeft: causal ? dilation * (kernel.w - 1) : dilation * (kernel.w - 1) / 2)
        }
        var inputShape: [Int] { causal ? [batch, inChannels, width] : [batch, inChannels, height, width] }
        var weightShape: [Int] { causal ? [outChannels, inChannels, kernel.w] : [outChannels, inChannels, kernel.h, kernel.w] }
        var outputShape: [Int] { causal ? [batch, outChannels, width] : [batch, outChannels, height, width] }
        var label: String {
            "\(inputShape) → \(outChannels), k \(kernel.h)×\(kernel.w), d \(dilation)\(bias ? ", bias" : "")\(masked ? ", masked" : "")"
        }
    }

    static let cases: [Case] = [
        Case(batch: 2, inChannels: 3, outChannels: 5, height: 7, width: 17, kernel: (1, 1), bias: false),
        Case(batch: 3, inChannels: 33, outChannels: 17, height: 1, width: 1, kernel: (1, 1)),
        Case(batch: 1, inChannels: 7, outChannels: 3, height: 17, width: 7, kernel: (3, 3)),
        Case(batch: 2, inChannels: 4, outChannels: 4, height: 5, width: 9, kernel: (3, 3), bias: false, masked: true),
        Case(batch: 2, inChannels: 3, outChannels: 7, height: 9, width: 6, kernel: (5, 5)),
        Case(batch: 1, inChannels: 5, outChannels: 6, height: 11, width: 13, kernel: (3, 3), dilation: 2, bias: false),
        Case(batch: 2, inChannels: 16, outChannels: 33, height: 16, width: 16, kernel: (3, 3)),
        Case(batch: 3, inChannels: 64, outChannels: 4, height: 4, width: 4, kernel: (3, 3)),
        Case(batch: 2, inChannels: 9, outChannels: 4, height: 6, width: 5, kernel: (3, 5), dilation: 2),
        Case(batch: 1, inChannels: 1, outChannels: 1, height: 1, width: 1, kernel: (1, 2), bias: false, causal: true),
        Case(batch: 3, inChannels: 4, outChannels: 7, height: 1, width: 33, kernel: (1, 3), dilation: 2, causal: true),
        Case(batch: 2, inChannels: 17, outChannels: 3, height: 1, width: 100, kernel: (1, 2), dilation: 4, bias: false, causal: true),
    ]

    static func run(_ r: CheckRecorder) {
        for (index, c) in cases.enumerated() {
            let name = c.causal ? "conv1d causal" : "conv2d"
            r.run(name, c.label) { try forward(r, c, name: name, seed: UInt64(21 + index)) }
            r.run("\(name) backward", c.label) { try backward(r, c, name: "\(name) backward", seed: UInt64(41 + index)) }
        }
    }

    private static func data(_ c: Case, seed: UInt64) -> (input: [Double], weight: [Double], bias: [Double]?, mask: [Double]) {
        var rng = SeededRandom(seed: seed)
        let g = c.geometry
        let input = rng.floats(g.batch * g.inChannels * g.height * g.width)
        let weightCount = g.outChannels * g.inChannels * g.kernelH * g.kernelW
        let weight = rng.floats(weightCount)
        let bias = c.bias ? rng.floats(g.outChannels) : nil
        let mask = c.masked ? rng.mask(weightCount) : [Double](repeating: 1, count: weightCount)
        return (input, weight, bias, mask)
    }

    private static func forward(_ r: CheckRecorder, _ c: Case, name: String, seed: UInt64) throws {
        let d = data(c, seed: seed)
        let (x, w) = (try r.tensor(d.input, c.inputShape), try r.tensor(d.weight, c.weightShape))
        let b = try d.bias.map { try r.tensor($0, [c.outChannels]) }
        let m = c.masked ? try r.tensor(d.mask, c.weightShape) : nil
        try r.poison(c.outputShape.reduce(1, *))
        let output = c.causal ? try x.conv1dCausal(weight: w, bias: b, dilation: c.dilation) : try x.conv2d(weight: w, bias: b, mask: m, dilation: c.dilation)
        let weight = Reference.multiply(d.weight, d.mask)
        let g = c.geometry
        let expected = Reference.conv2d(g, input: d.input, weight: weight, bias: d.bias)
        let magnitude = Reference.conv2dMagnitude(g, input: d.input, weight: weight, bias: d.bias)
        try r.close(
            name, c.label, output, expected, rtol: OpTolerance.convRtol,
            atol: Tolerance.accumulated(terms: g.inChannels * g.kernelH * g.kernelW + 1, magnitude: magnitude))
    }

    private static func backward(_ r: CheckRecorder, _ c: Case, name: String, seed: UInt64) throws {
        let d = data(c, seed: seed)
        var rng = SeededRandom(seed: seed + 100)
        let g = c.geometry
        let gradOutput = rng.floats(c.outputShape.reduce(1, *))
        let (x, w, dy) = (try r.tensor(d.input, c.inputShape), try r.tensor(d.weight, c.weightShape), try r.tensor(gradOutput, c.outputShape))
        let m = c.masked ? try r.tensor(d.mask, c.weightShape) : nil
        try r.poison(g.batch * g.inChannels * g.height * g.width, d.weight.count, c.outChannels)
        let grads = c.causal
            ? try Tensor.conv1dCausalBackward(input: x, weight: w, hasBias: c.bias, gradOutput: dy, dilation: c.dilation)
            : try Tensor.conv2dBackward(input: x, weight: w, mask: m, hasBias: c.bias, gradOutput: dy, dilation: c.dilation)
        let weight = Reference.multiply(d.weight, d.mask)
        let expected = Reference.conv2dBackward(g, input: d.input, weight: weight, gradOutput: gradOutput)
        let magnitude = Reference.conv2dBackwardMagnitude(g, input: d.input, weight: weight, gradOutput: gradOutput)
        let perOutput = g.batch * g.height * g.width
        let rtol = OpTolerance.convBackwardRtol
        try r.close(
            "\(name) ∂input", c.label, grads.input, expected.input, rtol: rtol,
            atol: Tolerance.accumulated(terms: g.outChannels * g.kernelH * g.kernelW, magnitude: magnitude.input))
        try r.close(
            "\(name) ∂weight", c.label, grads.weight, Reference.multiply(expected.weight, d.mask), rtol: rtol,
            atol: Tolerance.accumulated(terms: perOutput, magnitude: magnitude.weight))
        if c.bias {
            guard let bias = grads.bias else { throw CheckFailure("\(name) returned no bias gradient") }
            try r.close("\(name) ∂bias", c.label, bias, expected.bias, rtol: rtol, atol: Tolerance.accumulated(terms: perOutput, magnitude: magnitude.bias))
        }
    }
}
