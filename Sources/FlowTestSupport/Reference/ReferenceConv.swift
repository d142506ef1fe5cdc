import FlowRuntime

extension Reference {
    /// Visits every (output pixel, weight tap) pair of a convolution whose input position lies
    /// inside the image, exactly as the `ConvGeometry` formula reads:
    /// `out[b, o, y, x] += w[o, c, i, j] · in[b, c, y + i·dilationH − padTop, x + j·dilationW − padLeft]`.
    /// The body receives the flat indices of the output, weight and input elements.
    private static func forEachTap(_ g: ConvGeometry, _ body: (_ out: Int, _ weight: Int, _ input: Int) -> Void) {
        let (height, width) = (g.height, g.width)
        for b in 0..<g.batch {
            for o in 0..<g.outChannels {
                for y in 0..<height {
                    for x in 0..<width {
                        let out = ((b * g.outChannels + o) * height + y) * width + x
                        for c in 0..<g.inChannels {
                            for i in 0..<g.kernelH {
                                for j in 0..<g.kernelW {
                                    let inY = y + i * g.dilationH - g.padTop
                                    let inX = x + j * g.dilationW - g.padLeft
                                    guard inY >= 0, inY < height, inX >= 0, inX < width else { continue }
                                    let weight = ((o * g.inChannels + c) * g.kernelH + i) * g.kernelW + j
                                    let input = ((b * g.inChannels + c) * height + inY) * width + inX
                                    body(out, weight, input)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static func outputCount(_ g: ConvGeometry) -> Int { g.batch * g.outChannels * g.height * g.width }

    /// `output = conv(input, weight) + bias`.
    public static func conv2d(_ g: ConvGeometry, input: [Double], weight: [Double], bias: [Double]?) -> [Double] {
        var out = [Double](repeating: 0, count: outputCount(g))
        forEachTap(g) { o, w, i in out[o] += weight[w] * input[i] }
        if let bias {
            let pixels = g.height * g.width
            for index in 0..<out.count { out[index] += bias[(index / pixels) % g.outChannels] }
        }
        return out
    }

    /// Per-output sums of the magnitudes of the terms `conv2d` adds (for error bounds).
    public static func conv2dMagnitude(_ g: ConvGeometry, input: [Double], weight: [Double], bias: [Double]?) -> [Double] {
        conv2d(g, input: input.map(abs), weight: weight.map(abs), bias: bias?.map(abs))
    }

    /// All gradients of `conv2d` given `∂L/∂output`: each tap's product contributes its partner
    /// factor times the output gradient, which is the transpose of the forward loop.
    public static func conv2dBackward(_ g: ConvGeometry, input: [Double], weight: [Double], gradOutput: [Double])
        -> (input: [Double], weight: [Double], bias: [Double])
    {
        var gradInput = [Double](repeating: 0, count: input.count)
        var gradWeight = [Double](repeating: 0, count: weight.count)
        var gradBias = [Double](repeating: 0, count: g.outChannels)
        forEachTap(g) { o, w, i in
            gradInput[i] += weight[w] * gradOutput[o]
            gradWeight[w] += input[i] * gradOutput[o]
        }
        let pixels = g.height * g.width
        for index in 0..<gradOutput.count { gradBias[(index / pixels) % g.outChannels] += gradOutput[index] }
        return (gradInput, gradWeight, gradBias)
    }

    /// Per-element sums of the magnitudes of the terms of each gradient (for error bounds).
    public static func conv2dBackwardMagnitude(_ g: ConvGeometry, input: [Double], weight: [Double], gradOutput: [Double])
        -> (input: [Double], weight: [Double], bias: [Double])
    {
        conv2dBackward(g, input: input.map(abs), weight: weight.map(abs), gradOutput: gradOutput.map(abs))
    }
}
