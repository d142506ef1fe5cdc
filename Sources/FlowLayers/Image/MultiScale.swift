import FlowRuntime

/// The multi-scale architecture of RealNVP and Glow (Dinh et al. 2017, arXiv:1605.08803, §3.6;
/// Kingma & Dhariwal 2018, arXiv:1807.03039, §3): on images `[B, C, H, W]`, each level runs
///
///     [transforms before the squeeze] → squeeze → steps → (not the last level) factor out half
///
/// where factoring out sends channels `[⌊C/2⌋, C)` of the level's output to the latent and
/// passes channels `[0, ⌊C/2⌋)` to the next level (a one-channel image's squeeze sends its
/// channels 2–3 to the latent first, as z1). A level may
/// model its factored half with a learned prior (`LearnedPrior`, Glow) applied just before the
/// split; without one the factored half is left to the base distribution's `N(0, I)`.
///
/// The forward output (data → noise) is `[B, C·H·W]`: the factored latents in level order, each
/// flattened in `(c, i, j)` order, then the last level's output flattened — `[z1, z2, …, z_L]`.
/// The output count equals the input count, so a `StandardNormal(eventShape: [C·H·W])` base
/// completes the model. `log|det J|` is the sum of the levels' transforms' (and priors') log-dets:
/// squeeze, split and concatenation only move entries. Every transform of a level must keep the
/// shape of its input (except the squeeze).
public final class MultiScale: Bijector {
    /// One level's transforms.
    public struct Level {
        /// Transforms at the level's input resolution (RealNVP's checkerboard couplings); Glow has none.
        public var beforeSqueeze: [any Bijector]
        public var squeeze: Bool
        /// Transforms after the squeeze (Glow's K steps, RealNVP's channel couplings).
        public var steps: [any Bijector]
        /// The learned prior of the factored half, or nil for `N(0, I)`; must be nil on the last level.
        public var prior: (any Bijector)?

        public init(beforeSqueeze: [any Bijector] = [], squeeze: Bool = true, steps: [any Bijector], prior: (any Bijector)? = nil) {
            self.beforeSqueeze = beforeSqueeze
            self.squeeze = squeeze
            self.steps = steps
            self.prior = prior
        }
    }

    /// The shapes `[C, H, W]` a level sees: at its input, and after its squeeze (what its steps
    /// and prior see, and what is split).
    public struct LevelShape: Sendable, Equatable {
        public var input: [Int]
        public var squeezed: [Int]
    }

    public let name: String
    public let inputShape: [Int]
    /// Per level: its transforms as one chain (`beforeSqueeze`, the squeeze, `steps`).
    public let chains: [Chain]
    public let priors: [(any Bijector)?]
    public let shapes: [LevelShape]
    /// Per level: the entries it sends to the latent (the factored half, or all of the last level's).
    public let latentSizes: [Int]

    public init(name: String = "MultiScale", inputShape: [Int], levels: [Level], backwardMode: BackwardMode = .storeActivations) throws {
        let shapes = try Self.shapes(inputShape: inputShape, squeezes: levels.map(\.squeeze))
        if levels.last?.prior != nil {
            throw FlowError.invalidArgument(op: "MultiScale(\(name))", detail: "the last level factors nothing out, so it takes no prior")
        }
        self.name = name
        self.inputShape = inputShape
        self.shapes = shapes
        chains = levels.enumerated().map { index, level in
            let squeeze: [any Bijector] = level.squeeze ? [Squeeze(name: "\(name).level\(index).squeeze")] : []
            return Chain(level.beforeSqueeze + squeeze + level.steps, name: "\(name).level\(index)", backwardMode: backwardMode)
        }
        priors = levels.map(\.prior)
        latentSizes = shapes.enumerated().map { index, shape in
            let positions = shape.squeezed[1] * shape.squeezed[2]
            return (index == shapes.count - 1 ? shape.squeezed[0] : shape.squeezed[0] - shape.squeezed[0] / 2) * positions
        }
    }

    /// The shapes of each level for an input `[C, H, W]` and, per level, whether it squeezes:
    /// what a preset needs to size each level's transforms.
    public static func shapes(inputShape: [Int], squeezes: [Bool]) throws -> [LevelShape] {
        guard inputShape.count == 3, inputShape.allSatisfy({ $0 > 0 }), !squeezes.isEmpty else {
            throw FlowError.invalidArgument(
                op: "MultiScale", detail: "input shape \(inputShape) with \(squeezes.count) levels: need [C, H, W] and at least one level")
        }
        var current = inputShape
        var shapes: [LevelShape] = []
        for (index, squeeze) in squeezes.enumerated() {
            let (c, h, w) = (current[0], current[1], current[2])
            if squeeze, h % 2 != 0 || w % 2 != 0 {
                throw FlowError.shapeMismatch(
                    op: "MultiScale", detail: "level \(index) squeezes [\(c), \(h), \(w)]: height and width must be even")
            }
            let squeezed = squeeze ? [4 * c, h / 2, w / 2] : current
            if index < squeezes.count - 1, squeezed[0] < 2 {
                throw FlowError.shapeMismatch(op: "MultiScale", detail: "level \(index) cannot factor out half of \(squeezed[0]) channel")
            }
            shapes.append(LevelShape(input: current, squeezed: squeezed))
            current = [squeezed[0] / 2, squeezed[1], squeezed[2]]
        }
        return shapes
    }

    public var parameters: [Parameter] {
        zip(chains, priors).flatMap { chain, prior in chain.parameters + (prior?.parameters ?? []) }
    }

    struct Tape: BijectorTape {
        var chainTapes: [any BijectorTape]
        var priorTapes: [(any BijectorTape)?]
        var batch: Int
    }

    /// Channels of level `index`'s output that continue, and that leave.
    func halves(_ index: Int) -> [Int] {
        let channels = shapes[index].squeezed[0]
        return [channels / 2, channels - channels / 2]
    }

    private func latentShape(_ index: Int, batch: Int) -> [Int] {
        let shape = shapes[index].squeezed
        return [batch, index == shapes.count - 1 ? shape[0] : halves(index)[1], shape[1], shape[2]]
    }

    public func forward(_ x: Tensor, context: Tensor?) throws -> (result: BijectorResult, tape: any BijectorTape) {
        guard Array(x.shape.dropFirst()) == inputShape else {
            throw FlowError.shapeMismatch(op: "\(name).forward", detail: "input \(x.shape), expected [B] + \(inputShape)")
        }
        var current = x
        let logDet = try Tensor.zeros([x.batch], on: x.device)
        var latents: [Tensor] = []
        var chainTapes: [any BijectorTape] = []
        var priorTapes: [(any BijectorTape)?] = []
        for index in chains.indices {
            let (result, tape) = try chains[index].forward(current, context: context)
            try logDet.accumulate(result.logDet)
            chainTapes.append(tape)
            current = result.output
            var priorTape: (any BijectorTape)?
            if index < chains.count - 1 {
                if let prior = priors[index] {
                    let (priorResult, tape) = try prior.forward(current, context: context)
                    try logDet.accumulate(priorResult.logDet)
                    priorTape = tape
                    current = priorResult.output
                }
                let parts = try current.split(halves(index))
                latents.append(try parts[1].flattenedBatch())
                current = parts[0]
            }
            priorTapes.append(priorTape)
        }
        latents.append(try current.flattenedBatch())
        let output = latents.count == 1 ? latents[0] : try Tensor.concat(latents)
        return (BijectorResult(output: output, logDet: logDet), Tape(chainTapes: chainTapes, priorTapes: priorTapes, batch: x.batch))
    }

    /// The flat latent cut into each level's part, shaped as the level produced it.
    private func latentParts(_ z: Tensor) throws -> [Tensor] {
        let total = latentSizes.reduce(0, +)
        guard z.shape == [z.batch, total] else {
            throw FlowError.shapeMismatch(op: "\(name)", detail: "latent \(z.shape), expected [B, \(total)]")
        }
        let parts = latentSizes.count == 1 ? [z] : try z.split(latentSizes)
        return try parts.enumerated().map { index, part in try part.reshaped(latentShape(index, batch: z.batch)) }
    }

    public func inverse(_ z: Tensor, context: Tensor?) throws -> BijectorResult {
        let parts = try latentParts(z)
        let logDet = try Tensor.zeros([z.batch], on: z.device)
        var current = parts[parts.count - 1]
        for index in chains.indices.reversed() {
            if index < chains.count - 1 {
                current = try Tensor.concat([current, parts[index]])
                if let prior = priors[index] {
                    let result = try prior.inverse(current, context: context)
                    try logDet.accumulate(result.logDet)
                    current = result.output
                }
            }
            let result = try chains[index].inverse(current, context: context)
            try logDet.accumulate(result.logDet)
            current = result.output
        }
        return BijectorResult(output: current, logDet: logDet)
    }

    /// Split and concatenation are each other's backward; every level and prior receives the
    /// same `∂L/∂logDet`, as in a chain.
    public func backward(_ tape: any BijectorTape, gradOutput: Tensor, gradLogDet: Tensor) throws -> BijectorGradients {
        let tape = try self.tape(tape, as: Tape.self)
        let parts = try latentParts(gradOutput)
        var grad = parts[parts.count - 1]
        var gradContext: Tensor?
        for index in chains.indices.reversed() {
            if index < chains.count - 1 {
                grad = try Tensor.concat([grad, parts[index]])
                if let prior = priors[index], let priorTape = tape.priorTapes[index] {
                    let grads = try prior.backward(priorTape, gradOutput: grad, gradLogDet: gradLogDet)
                    grad = grads.input
                    gradContext = try addOptional(gradContext, grads.context)
                }
            }
            let grads = try chains[index].backward(tape.chainTapes[index], gradOutput: grad, gradLogDet: gradLogDet)
            grad = grads.input
            gradContext = try addOptional(gradContext, grads.context)
        }
        return BijectorGradients(input: grad, context: gradContext)
    }

    public var reconstructsInput: Bool {
        chains.allSatisfy { $0.transforms.allSatisfy(\.reconstructsInput) } && priors.allSatisfy { $0?.reconstructsInput ?? true }
    }
}

/// The levels' chains and priors, so checkpoint state (ActNorm's initialisation) and diagnostics
/// reach the transforms inside.
extension MultiScale: TransformContainer {
    public var children: [any Bijector] { chains + priors.compactMap { $0 } }
}
