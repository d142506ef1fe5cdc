import FlowRuntime

/// A chain of products separable by rows (`Tensor.gemmRowChain`: an MLP on a batch, ReLU inside,
/// optionally its middle layer in two tiles that read different prefixes of its inputs), each
/// stage against the reference fed with the stage's actual input.
public struct GemmRowChainCase: Sendable, CustomStringConvertible {
    public var rows: Int
    /// Layer widths, input first.
    public var sizes: [Int]
    /// Whether the middle layer runs as two tiles: its first 30 outputs read only its first 20 inputs.
    public var tiledMiddle: Bool
    public var seed: UInt64

    public init(rows: Int, sizes: [Int], tiledMiddle: Bool, seed: UInt64) {
        self.rows = rows
        self.sizes = sizes
        self.tiledMiddle = tiledMiddle
        self.seed = seed
    }

    public var description: String {
        "\(rows) rows, \(sizes.map(String.init).joined(separator: "→"))\(tiledMiddle ? ", middle in 2 tiles" : "")"
    }

    /// The stages on `d`, their outputs not yet written: input, then per layer weight and bias.
    public func stages(on d: TestDevice) throws -> [Tensor.ChainStage] {
        var rng = SeededRandom(seed: seed)
        var stages: [Tensor.ChainStage] = []
        var input = try d.tensor(rng.floats(rows * sizes[0]), [rows, sizes[0]])
        for layer in 0..<sizes.count - 1 {
            let (inputs, outputs) = (sizes[layer], sizes[layer + 1])
            let activation: GemmActivation = layer < sizes.count - 2 ? .relu : .none
            let full = GemmSpec(m: rows, n: outputs, k: inputs, transposeB: true, lda: inputs, ldb: inputs, ldc: outputs, activation: activation)
            var specs = [full]
            if tiledMiddle && layer == 1 {
                var (first, second) = (full, full)
                (first.n, first.k) = (30, 20)
                (second.n, second.offsetB, second.offsetC, second.offsetBias) = (outputs - 30, 30 * inputs, 30, 30)
                specs = [first, second]
            }
            let output = try Tensor.empty([rows, outputs], on: d.device)
            let weight = try d.tensor(rng.floats(outputs * inputs), [outputs, inputs])
            stages.append(Tensor.ChainStage(specs: specs, a: input, b: weight, c: output, bias: try d.tensor(rng.floats(outputs), [outputs])))
            input = output
        }
        return stages
    }

    /// Runs the chain (NaN in every output first, so a path that leaves an output unwritten fails)
    /// and compares each stage.
    public func run(on d: TestDevice, usingCapability: Bool) throws -> [OpComparison] {
        let stages = try stages(on: d)
        for stage in stages { try d.device.fill(stage.c.buffer, count: stage.c.count, value: .nan) }
        try Tensor.gemmRowChain(stages, usingCapability: usingCapability)
        return try GemmCases.compare(stages, op: "gemmRowChain")
    }
}
