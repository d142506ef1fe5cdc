import FlowRuntime

/// The shape of an `mlpAffineCoupling` test problem: rows, which columns are kept and transformed,
/// the context width, the hidden widths and the coupling's kind; `problem` draws its values.
public struct MLPCouplingShape: Sendable, CustomStringConvertible {
    public var rows: Int
    public var kept: [Int]
    public var transformed: [Int]
    public var contextFeatures: Int
    public var hidden: [Int]
    public var scale: CouplingScale
    public var order: CouplingOrder
    public var shiftFirst: Bool

    public init(
        rows: Int, kept: [Int], transformed: [Int], contextFeatures: Int, hidden: [Int], scale: CouplingScale, order: CouplingOrder,
        shiftFirst: Bool
    ) {
        (self.rows, self.kept, self.transformed, self.contextFeatures, self.hidden) = (rows, kept, transformed, contextFeatures, hidden)
        (self.scale, self.order, self.shiftFirst) = (scale, order, shiftFirst)
    }

    /// E.g. `[600, 2], 1→128→128→2` or `[37, 5] + context 3, 5→33→6, sigmoidShifted/shiftThenScale`.
    public var description: String {
        let context = contextFeatures > 0 ? " + context \(contextFeatures)" : ""
        let widths = [kept.count + contextFeatures] + hidden + [2 * transformed.count]
        return "[\(rows), \(kept.count + transformed.count)]\(context), \(widths.map(String.init).joined(separator: "→")), \(scale)/\(order)"
    }

    public func problem(random: inout SeededRandom) -> Reference.MLPCouplingProblem {
        Reference.MLPCouplingProblem.random(
            rows: rows, kept: kept, transformed: transformed, contextFeatures: contextFeatures, hidden: hidden, scale: scale,
            order: order, shiftFirst: shiftFirst, random: &random)
    }
}

extension Reference {
    /// The inputs of `Tensor.mlpAffineCoupling` as plain arrays: `x` `[rows, features]`, the kept
    /// and transformed columns, the context `[rows, contextFeatures]`, and each layer's weight
    /// `[out, in]` and bias `[out]`, all row-major.
    public struct MLPCouplingProblem: Sendable {
        public var rows: Int
        public var features: Int
        public var kept: [Int]
        public var transformed: [Int]
        public var contextFeatures: Int
        public var x: [Double]
        public var context: [Double]
        public var weights: [[Double]]
        public var biases: [[Double]]
        public var scale: CouplingScale
        public var order: CouplingOrder
        public var shiftFirst: Bool

        public init(
            rows: Int, features: Int, kept: [Int], transformed: [Int], contextFeatures: Int, x: [Double], context: [Double],
            weights: [[Double]], biases: [[Double]], scale: CouplingScale, order: CouplingOrder, shiftFirst: Bool
        ) {
            (self.rows, self.features, self.kept, self.transformed) = (rows, features, kept, transformed)
            (self.contextFeatures, self.x, self.context, self.weights, self.biases) = (contextFeatures, x, context, weights, biases)
            (self.scale, self.order, self.shiftFirst) = (scale, order, shiftFirst)
        }

        /// Random values for every input: `x` in ±2, the rest in ±1, each exactly a Float.
        public static func random(
            rows: Int, kept: [Int], transformed: [Int], contextFeatures: Int, hidden: [Int], scale: CouplingScale,
            order: CouplingOrder, shiftFirst: Bool, random rng: inout SeededRandom
        ) -> MLPCouplingProblem {
            let features = kept.count + transformed.count
            let widths = hidden + [2 * transformed.count]
            let inputs = [kept.count + contextFeatures] + hidden
            return MLPCouplingProblem(
                rows: rows, features: features, kept: kept, transformed: transformed, contextFeatures: contextFeatures,
                x: rng.floats(rows * features, in: -2...2), context: rng.floats(rows * contextFeatures),
                weights: widths.indices.map { rng.floats(widths[$0] * inputs[$0]) }, biases: widths.map { rng.floats($0) },
                scale: scale, order: order, shiftFirst: shiftFirst)
        }

        /// The problem uploaded to `device`, as `Tensor.mlpAffineCoupling` takes it.
        public func tensors(on device: any Device) throws
            -> (x: Tensor, context: Tensor?, layers: [Tensor.DenseLayer], columns: CouplingColumns)
        {
            let upload = { (values: [Double], shape: [Int]) in try Tensor(values.map { Float($0) }, shape: shape, on: device) }
            let layers = try widths.indices.map { index in
                Tensor.DenseLayer(
                    weight: try upload(weights[index], [widths[index], layerInputWidths[index]]), bias: try upload(biases[index], [widths[index]]))
            }
            let contextTensor = contextFeatures > 0 ? try upload(context, [rows, contextFeatures]) : nil
            let columns = try CouplingColumns(kept: kept, transformed: transformed, on: device)
            return (try upload(x, [rows, features]), contextTensor, layers, columns)
        }

        /// Each layer's output width.
        public var widths: [Int] { biases.map(\.count) }
        /// The input width of each layer.
        public var layerInputWidths: [Int] { [kept.count + contextFeatures] + widths.dropLast() }
    }

    public struct MLPCouplingForward: Sendable {
        public var y: [Double]
        public var logDet: [Double]
        /// Each layer's input (the MLP's input, then each hidden ReLU output), row-major.
        public var layerInputs: [[Double]]
        public var conditionerOutput: [Double]
    }

    public struct MLPCouplingBackward: Sendable {
        public var x: [Double]
        public var context: [Double]
        public var weights: [[Double]]
        public var biases: [[Double]]
    }

    /// Row by row: the MLP `Linear → ReLU → … → Linear` on the kept columns then the context; its
    /// output row holds the shifts and raw scales of the transformed columns (shifts first with
    /// `shiftFirst`); the transformed columns go through `coupling`, the kept ones are copied.
    public static func mlpAffineCoupling(_ p: MLPCouplingProblem, inverse: Bool) -> MLPCouplingForward {
        let (widths, inputWidths, dt) = (p.widths, p.layerInputWidths, p.transformed.count)
        var layerInputs = inputWidths.map { [Double](repeating: 0, count: p.rows * $0) }
        var output = [Double](repeating: 0, count: p.rows * 2 * dt)
        var y = p.x
        var logDet = [Double](repeating: 0, count: p.rows)
        for r in 0..<p.rows {
            var activation = p.kept.map { p.x[r * p.features + $0] } + (0..<p.contextFeatures).map { p.context[r * p.contextFeatures + $0] }
            for layer in widths.indices {
                for i in 0..<inputWidths[layer] { layerInputs[layer][r * inputWidths[layer] + i] = activation[i] }
                let last = layer == widths.count - 1
                activation = (0..<widths[layer]).map { o in
                    var sum = p.biases[layer][o]
                    for i in 0..<inputWidths[layer] { sum += p.weights[layer][o * inputWidths[layer] + i] * activation[i] }
                    return last ? sum : max(sum, 0)
                }
            }
            for o in 0..<2 * dt { output[r * 2 * dt + o] = activation[o] }
            for (j, column) in p.transformed.enumerated() {
                let (t, h) = p.shiftFirst ? (activation[j], activation[dt + j]) : (activation[dt + j], activation[j])
                let spec = CouplingSpec(rows: 1, columns: 1, scale: p.scale, order: p.order)
                let coupled = coupling(spec, inverse: inverse, x: [p.x[r * p.features + column]], shift: [t], rawScale: [h])
                y[r * p.features + column] = coupled.y[0]
                logDet[r] += coupled.logDet[0]
            }
        }
        return MLPCouplingForward(y: y, logDet: logDet, layerInputs: layerInputs, conditionerOutput: output)
    }

    /// The backward of the forward for `L = Σ gradY ⊙ y + Σ_r gradLogDet_r · logDet_r`, by the
    /// chain rule through the coupling and every layer (ReLU's derivative: 1 where the hidden
    /// output is positive).
    public static func mlpAffineCouplingBackward(_ p: MLPCouplingProblem, gradY: [Double], gradLogDet: [Double]) -> MLPCouplingBackward {
        let forward = mlpAffineCoupling(p, inverse: false)
        let (widths, inputWidths, dt) = (p.widths, p.layerInputWidths, p.transformed.count)
        var result = MLPCouplingBackward(
            x: gradY, context: [Double](repeating: 0, count: p.rows * p.contextFeatures),
            weights: p.weights.map { [Double](repeating: 0, count: $0.count) }, biases: p.biases.map { [Double](repeating: 0, count: $0.count) })
        for r in 0..<p.rows {
            var gradient = [Double](repeating: 0, count: 2 * dt)
            for (j, column) in p.transformed.enumerated() {
                let (shiftAt, rawAt) = p.shiftFirst ? (j, dt + j) : (dt + j, j)
                let (t, h) = (forward.conditionerOutput[r * 2 * dt + shiftAt], forward.conditionerOutput[r * 2 * dt + rawAt])
                let spec = CouplingSpec(rows: 1, columns: 1, scale: p.scale, order: p.order)
                let grads = couplingBackward(
                    spec, x: [p.x[r * p.features + column]], shift: [t], rawScale: [h], gradY: [gradY[r * p.features + column]],
                    gradLogDet: [gradLogDet[r]])
                result.x[r * p.features + column] = grads.input[0]
                (gradient[shiftAt], gradient[rawAt]) = (grads.shift[0], grads.rawScale[0])
            }
            for layer in widths.indices.reversed() {
                let inputs = inputWidths[layer]
                let input = Array(forward.layerInputs[layer][(r * inputs)..<((r + 1) * inputs)])
                var flowing = [Double](repeating: 0, count: inputs)
                for o in 0..<widths[layer] {
                    result.biases[layer][o] += gradient[o]
                    for i in 0..<inputs {
                        result.weights[layer][o * inputs + i] += gradient[o] * input[i]
                        flowing[i] += p.weights[layer][o * inputs + i] * gradient[o]
                    }
                }
                gradient = layer > 0 ? (0..<inputs).map { input[$0] > 0 ? flowing[$0] : 0 } : flowing
            }
            for (i, column) in p.kept.enumerated() { result.x[r * p.features + column] += gradient[i] }
            for c in 0..<p.contextFeatures { result.context[r * p.contextFeatures + c] = gradient[p.kept.count + c] }
        }
        return result
    }
}
