import FlowRuntime

/// MADE's degree assignment (Germain et al. 2015, arXiv:1502.03509, §4): every unit gets a degree,
/// and a connection is kept only from a lower-or-equal degree (hidden layers) or a strictly lower
/// one (into the outputs), so output `j` depends only on inputs of degree below `output[j]`.
///
/// Degrees are 1-based. Inputs carry a permutation of `1…D`; hidden units carry degrees in
/// `1…D−1` (a hidden unit of degree `D` could reach no output); every feature has
/// `outputsPerFeature` outputs, all of its degree, laid out as `outputLayout` says (MAF's μ and α:
/// two per feature, output `j ∈ [0, 2D)` belonging to feature `j mod D`).
public struct MADEDegrees: Sendable, Equatable {
    /// Where a feature's outputs sit in the `[B, m·D]` output (`m` outputs per feature).
    public enum OutputLayout: Sendable, Equatable {
        /// `m` blocks of `D`: output `p·D + i` is parameter `p` of feature `i` (MAF's `[μ, α]`).
        case parameterMajor
        /// Feature by feature: output `i·m + p` is parameter `p` of feature `i`, so the output
        /// reads as `[B, D, m]` with no copy (the spline op's parameter layout).
        case featureMajor
    }

    public enum Assignment: Sendable, Equatable {
        /// nflows' degrees: input `i` has degree `i + 1`, hidden unit `k` of every
        /// layer has `(k mod (D − 1)) + 1`.
        case sequential
        /// Germain et al.'s random assignment: a random input order, and each hidden unit's degree
        /// uniform in `[min degree of the previous layer, D − 1]`, drawn from the `RandomStream`.
        case random
    }

    public let input: [Int]
    public let hidden: [[Int]]
    public let outputsPerFeature: Int
    public let outputLayout: OutputLayout
    public var features: Int { input.count }

    /// The degree of every output, in output order.
    public var output: [Int] {
        switch outputLayout {
        case .parameterMajor: (0..<outputsPerFeature).flatMap { _ in input }
        case .featureMajor: input.flatMap { repeatElement($0, count: outputsPerFeature) }
        }
    }

    /// The output index of parameter `parameter` of input feature `feature`.
    public func outputIndex(feature: Int, parameter: Int) -> Int {
        switch outputLayout {
        case .parameterMajor: parameter * features + feature
        case .featureMajor: feature * outputsPerFeature + parameter
        }
    }

    public init(
        features: Int, hidden: [Int], assignment: Assignment, outputsPerFeature: Int = 2, outputLayout: OutputLayout = .parameterMajor,
        random: inout RandomStream
    ) throws {
        guard outputsPerFeature >= 1 else {
            throw FlowError.invalidArgument(op: "MADEDegrees", detail: "outputs per feature must be positive, got \(outputsPerFeature)")
        }
        self.outputsPerFeature = outputsPerFeature
        self.outputLayout = outputLayout
        guard features >= 2 else {
            throw FlowError.invalidArgument(op: "MADEDegrees", detail: "an autoregressive MADE needs at least 2 features, got \(features)")
        }
        guard hidden.allSatisfy({ $0 > 0 }) else {
            throw FlowError.invalidArgument(op: "MADEDegrees", detail: "hidden sizes \(hidden) must be positive")
        }
        switch assignment {
        case .sequential:
            input = Array(1...features)
            self.hidden = hidden.map { size in (0..<size).map { $0 % (features - 1) + 1 } }
        case .random:
            // Host-side draws from the stream's Philox blocks, exactly what a device draw would
            // give, so the masks need no device round trip.
            var order = Array(1...features)
            let swaps = random.hostUniforms(features)
            for i in stride(from: features - 1, to: 0, by: -1) {
                order.swapAt(i, min(i, Int(swaps[i] * Float(i + 1))))
            }
            input = order
            var low = 1
            var layers: [[Int]] = []
            for size in hidden {
                let span = features - low
                let layer = random.hostUniforms(size).map { low + min(span - 1, Int($0 * Float(span))) }
                layers.append(layer)
                low = layer.min() ?? low
            }
            self.hidden = layers
        }
    }

    /// Host masks `[out, in]` (row-major, 0/1), one per layer: `[deg(out) ≥ deg(in)]` into hidden
    /// layers, `[deg(out) > deg(in)]` into the outputs. `contextFeatures` unmasked columns follow
    /// the inputs of the first layer: the context may feed every unit of the first hidden layer.
    public func masks(contextFeatures: Int = 0) -> [[Float]] {
        let layers = [input] + hidden + [output]
        return (0..<(layers.count - 1)).map { index in
            let (from, to) = (layers[index], layers[index + 1])
            let last = index == layers.count - 2
            let extra = index == 0 ? contextFeatures : 0
            var mask: [Float] = []
            mask.reserveCapacity(to.count * (from.count + extra))
            for target in to {
                for source in from { mask.append((last ? target > source : target >= source) ? 1 : 0) }
                mask.append(contentsOf: repeatElement(1, count: extra))
            }
            return mask
        }
    }
}

extension RandomStream {
    /// `count` uniforms on [0, 1) computed on the host from the same Philox blocks (and advancing
    /// the stream by the same amount) as `next(_:.uniform, on:)` would on a device.
    mutating func hostUniforms(_ count: Int) -> [Float] {
        var values: [Float] = []
        values.reserveCapacity(count)
        for index in 0..<count {
            let block = Philox.block(counter &+ UInt64(index / 4), seed: seed)
            let word = [block.0, block.1, block.2, block.3][index % 4]
            values.append(Philox.uniform(word))
        }
        counter &+= UInt64((count + 3) / 4)
        return values
    }
}
