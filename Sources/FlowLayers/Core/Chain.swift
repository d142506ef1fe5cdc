import FlowRuntime

/// How a chain's backward pass obtains each transform's input.
public enum BackwardMode: String, Sendable, Codable {
    /// Keep every transform's tape from the forward pass: fastest, memory grows with depth.
    case storeActivations
    /// Keep only the chain's output and rebuild each transform's input from its output through
    /// `inverse` during the backward pass (the reversible trick of RevNets / Glow): activation
    /// memory no longer grows with depth, at the cost of one extra inverse and forward per transform.
    /// Transforms that cannot rebuild their input (`reconstructsInput == false`) keep their tape.
    case reversible
}

/// Transforms applied in sequence (data → noise order); itself a transform, so chains nest.
public final class Chain: Bijector {
    public let name: String
    public let transforms: [any Bijector]
    public var backwardMode: BackwardMode

    public init(_ transforms: [any Bijector], name: String = "Chain", backwardMode: BackwardMode = .storeActivations) {
        self.transforms = transforms
        self.name = name
        self.backwardMode = backwardMode
    }

    public var parameters: [Parameter] { transforms.flatMap(\.parameters) }

    struct Tape: BijectorTape {
        /// Per transform: its tape (store mode, or a transform that cannot rebuild its input).
        var tapes: [(any BijectorTape)?]
        /// Per transform, in reversible mode: the input of a transform that cannot rebuild it.
        var inputs: [Tensor?]
        /// The chain's output, from which the reversible mode rebuilds inputs.
        var output: Tensor
        var context: Tensor?
    }

    public func forward(_ x: Tensor, context: Tensor?) throws -> (result: BijectorResult, tape: any BijectorTape) {
        var current = x
        let logDet = try Tensor.zeros([x.batch], on: x.device)
        var tapes: [(any BijectorTape)?] = []
        var inputs: [Tensor?] = []
        for transform in transforms {
            let (result, tape) = try transform.forward(current, context: context)
            try logDet.accumulate(result.logDet)
            let reversible = backwardMode == .reversible
            tapes.append(!reversible || !transform.reconstructsInput ? tape : nil)
            inputs.append(reversible && !transform.reconstructsInput ? current : nil)
            current = result.output
        }
        let tape = Tape(tapes: tapes, inputs: inputs, output: current, context: context)
        return (BijectorResult(output: current, logDet: logDet), tape)
    }

    public func inverse(_ z: Tensor, context: Tensor?) throws -> BijectorResult {
        var current = z
        let logDet = try Tensor.zeros([z.batch], on: z.device)
        for transform in transforms.reversed() {
            let result = try transform.inverse(current, context: context)
            try logDet.accumulate(result.logDet)
            current = result.output
        }
        return BijectorResult(output: current, logDet: logDet)
    }

    /// The chain's log-det is the sum of its transforms', so each receives the same `∂L/∂logDet`.
    public func backward(_ tape: any BijectorTape, gradOutput: Tensor, gradLogDet: Tensor) throws -> BijectorGradients {
        let tape = try self.tape(tape, as: Tape.self)
        var grad = gradOutput
        var output = tape.output  // reversible mode: the output of the transform being differentiated
        var gradContext: Tensor?
        for (index, transform) in transforms.enumerated().reversed() {
            let layerTape: any BijectorTape
            if let stored = tape.tapes[index] {
                layerTape = stored
                if let input = tape.inputs[index] { output = input }
            } else {
                let input = try transform.inverse(output, context: tape.context).output
                layerTape = try transform.forward(input, context: tape.context).tape
                output = input
            }
            let grads = try transform.backward(layerTape, gradOutput: grad, gradLogDet: gradLogDet)
            grad = grads.input
            gradContext = try addOptional(gradContext, grads.context)
        }
        return BijectorGradients(input: grad, context: gradContext)
    }

    /// Runs the chain transform by transform, reading results back, and names the first transform
    /// whose output or log-det is not finite, or nil. Inside a nested chain it reports the inner
    /// transform; other containers (multi-scale levels, MAF blocks) are reported as a whole.
    /// A diagnostic for after a non-finite loss: it synchronises with the device at every step.
    public func firstNonFinite(_ x: Tensor, context: Tensor?) throws -> String? {
        var current = x
        for (index, transform) in transforms.enumerated() {
            if let chain = transform as? Chain, let inner = try chain.firstNonFinite(current, context: context) {
                return "\(name)[\(index)] \(inner)"
            }
            let result = try transform.transform(current, context: context)
            if try !result.output.toArray().allSatisfy(\.isFinite) || !result.logDet.toArray().allSatisfy(\.isFinite) {
                return "\(name)[\(index)] \(transform.name)"
            }
            current = result.output
        }
        return nil
    }
}
