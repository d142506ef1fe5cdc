import FlowRuntime
import FlowTestSupport
import Testing

/// A prefix-structured layer on the host: random non-decreasing prefixes (the first row reads
/// nothing and the last everything when there are two rows or more), a weight zero outside them.
private struct PrefixLayer {
    let product: PrefixProduct
    let weight: [Double]
    let bias: [Double]

    init(inputs: Int, outputs: Int, _ rng: inout SeededRandom) throws {
        var reading = (0..<outputs).map { _ in rng.int(in: 0...inputs) }.sorted()
        if outputs >= 2 { (reading[0], reading[outputs - 1]) = (0, inputs) }
        product = try PrefixProduct(inputs: inputs, reading: reading)
        let values = rng.floats(outputs * inputs)
        weight = (0..<(outputs * inputs)).map { $0 % inputs < reading[$0 / inputs] ? values[$0] : 0 }
        bias = rng.floats(outputs)
    }

    /// Entry `(row, column)` of the kind's result as a plain sum, its terms' magnitude and whether
    /// the kind defines it (the weight gradient only inside the prefixes).
    func reference(
        _ kind: PrefixProduct.Kind, a: [Double], b: [Double], batch: Int
    ) -> (value: [Double], magnitude: [Double], defined: [Bool]) {
        let (outputs, inputs) = (product.outputs, product.inputs)
        var (value, magnitude, defined) = ([Double](), [Double](), [Bool]())
        func add(_ terms: [Double], _ isDefined: Bool = true, relu: Bool = false) {
            let sum = terms.reduce(0, +)
            value.append(relu ? max(sum, 0) : sum)
            magnitude.append(terms.reduce(0) { $0 + abs($1) })
            defined.append(isDefined)
        }
        switch kind {
        case .forward(let activation):
            for r in 0..<batch {
                for i in 0..<outputs {
                    add((0..<product.reading[i]).map { a[r * inputs + $0] * b[i * inputs + $0] } + [bias[i]], relu: activation == .relu)
                }
            }
        case .weightGradient:
            for i in 0..<outputs {
                for j in 0..<inputs { add((0..<batch).map { a[$0 * outputs + i] * b[$0 * inputs + j] }, j < product.reading[i]) }
            }
        case .inputGradient:
            for r in 0..<batch {
                for j in 0..<inputs {
                    add((0..<outputs).filter { product.reading[$0] > j }.map { a[r * outputs + $0] * b[$0 * inputs + j] })
                }
            }
        }
        return (value, magnitude, defined)
    }
}

/// Compares the defined entries of `actual` with the reference within the float32 sum bound.
private func expectMatches(
    _ actual: Tensor, _ reference: (value: [Double], magnitude: [Double], defined: [Bool]), terms: Int, _ label: String
) throws {
    let values = try actual.values()
    let kept = reference.defined.indices.filter { reference.defined[$0] }
    let atol = Tolerance.accumulated(terms: terms + 1, magnitude: kept.map { reference.magnitude[$0] })
    let report = Closeness.compare(kept.map { values[$0] }, kept.map { reference.value[$0] }, rtol: OpTolerance.gemmRtol, atol: atol)
    #expect(report.passed, Comment(rawValue: "\(label): \(report)"))
}

/// The three products of a prefix-structured masked layer (`Tensor.prefixProduct`) against plain
/// sums, through the device's tiling (`PrefixProductCapable`) and the dense fallback, on every
/// device, with NaN in every output before each path so an unwritten entry fails.
@Suite struct PrefixProductTests {
    /// (inputs, outputs): single units, more rows than columns and the reverse, sizes off any tile grid.
    static let sizes: [(inputs: Int, outputs: Int)] = [(1, 1), (300, 7), (7, 300), (130, 257), (257, 130), (64, 129), (5, 1)]

    @Test(arguments: TestDevices.all)
    func prefixProductsMatchPlainSums(_ d: TestDevice) throws {
        var rng = SeededRandom(seed: 41)
        let batch = 83
        for (inputs, outputs) in Self.sizes {
            let layer = try PrefixLayer(inputs: inputs, outputs: outputs, &rng)
            let (x, dy) = (rng.floats(batch * inputs), rng.floats(batch * outputs))
            let operands: [(PrefixProduct.Kind, [Double], [Int], [Double], [Int], [Int], Int)] = [
                (.forward(.relu), x, [batch, inputs], layer.weight, [outputs, inputs], [batch, outputs], inputs),
                (.forward(.none), x, [batch, inputs], layer.weight, [outputs, inputs], [batch, outputs], inputs),
                (.weightGradient, dy, [batch, outputs], x, [batch, inputs], [outputs, inputs], batch),
                (.inputGradient, dy, [batch, outputs], layer.weight, [outputs, inputs], [batch, inputs], outputs),
            ]
            for (kind, a, aShape, b, bShape, cShape, terms) in operands {
                let reference = layer.reference(kind, a: a, b: b, batch: batch)
                var bias: Tensor?
                if case .forward = kind { bias = try d.tensor(layer.bias, [outputs]) }
                for usingCapability in [true, false] {
                    let c = try Tensor.full(cShape, value: .nan, on: d.device)
                    try Tensor.prefixProduct(
                        layer.product, kind, d.tensor(a, aShape), d.tensor(b, bShape), into: c, bias: bias, usingCapability: usingCapability)
                    try expectMatches(c, reference, terms: terms, "\(kind) \(inputs)→\(outputs), capability \(usingCapability)")
                }
            }
        }
    }

    /// MADE's forward as a row chain of prefix stages (ReLU between layers), each stage against
    /// plain sums fed with its actual input, through the device's tiling and the dense fallback
    /// and with both chain paths; a weight-gradient stage is refused.
    @Test(arguments: TestDevices.all)
    func prefixChainMatchesPlainSums(_ d: TestDevice) throws {
        var rng = SeededRandom(seed: 42)
        let (batch, sizes) = (83, [5, 300, 131, 1, 70])
        let layers = try (0..<(sizes.count - 1)).map { try PrefixLayer(inputs: sizes[$0], outputs: sizes[$0 + 1], &rng) }
        let x = try d.tensor(rng.floats(batch * sizes[0]), [batch, sizes[0]])
        for usingCapability in [true, false] {
            var input = x
            var stages: [Tensor.ChainStage] = []
            for (index, layer) in layers.enumerated() {
                let output = try Tensor.full([batch, sizes[index + 1]], value: .nan, on: d.device)
                stages.append(
                    try Tensor.ChainStage.prefix(
                        layer.product, .forward(index < layers.count - 1 ? .relu : .none), a: input,
                        b: d.tensor(layer.weight, [sizes[index + 1], sizes[index]]), c: output,
                        bias: d.tensor(layer.bias, [sizes[index + 1]]), gate: nil, usingCapability: usingCapability))
                input = output
            }
            try Tensor.gemmRowChain(stages, usingCapability: usingCapability)
            for (index, (layer, stage)) in zip(layers, stages).enumerated() {
                let kind = PrefixProduct.Kind.forward(index < layers.count - 1 ? .relu : .none)
                let reference = layer.reference(kind, a: try stage.a.values(), b: layer.weight, batch: batch)
                try expectMatches(stage.c, reference, terms: sizes[index], "chain layer \(index), capability \(usingCapability)")
            }
        }
        let layer = layers[0]
        #expect(throws: FlowError.self) {
            try Tensor.ChainStage.prefix(
                layer.product, .weightGradient, a: Tensor.zeros([batch, sizes[1]], on: d.device), b: x,
                c: Tensor.zeros([sizes[1], sizes[0]], on: d.device))
        }
    }

    /// Prefixes must stay within the inputs and never decrease.
    @Test func invalidPrefixesAreRefused() {
        #expect(throws: FlowError.self) { try PrefixProduct(inputs: 3, reading: [0, 4]) }
        #expect(throws: FlowError.self) { try PrefixProduct(inputs: 3, reading: [2, 1]) }
        #expect(throws: FlowError.self) { try PrefixProduct(inputs: 3, reading: [-1, 1]) }
        #expect(throws: Never.self) { _ = try PrefixProduct(inputs: 0, reading: [0, 0]) }
    }
}
