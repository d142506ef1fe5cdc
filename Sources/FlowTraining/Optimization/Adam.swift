import FlowLayers
import FlowRuntime

/// Adam / AdamW over a model's parameters, with the runtime's fused update. Its state (moments
/// and step count) is saved in checkpoints, so a resumed run continues bit for bit.
public final class Adam {
    public struct Settings: Codable, Equatable, Sendable {
        public var beta1: Float = 0.9
        public var beta2: Float = 0.999
        public var epsilon: Float = 1e-8
        public var weightDecay: Float = 0
        /// AdamW's decoupled weight decay (true) or L2 added to the gradient (false).
        public var decoupled = true

        public init() {}
    }

    public let parameters: [Parameter]
    public let settings: Settings
    /// First and second moments, one pair per parameter, in `parameters` order.
    public private(set) var moments: [(m: Tensor, v: Tensor)]
    /// Updates applied so far (the next update is step `step + 1`).
    public private(set) var step: Int

    public init(parameters: [Parameter], settings: Settings = Settings()) throws {
        self.parameters = parameters
        self.settings = settings
        moments = try parameters.map { (try $0.value.zerosLike(), try $0.value.zerosLike()) }
        step = 0
    }

    /// One update with the given learning rate; parameters without a gradient stay unchanged
    /// (their moments too), as in PyTorch.
    public func update(learningRate: Float) throws {
        step += 1
        let hyper = AdamHyper(
            learningRate: learningRate, beta1: settings.beta1, beta2: settings.beta2, epsilon: settings.epsilon,
            weightDecay: settings.weightDecay, decoupled: settings.decoupled, step: step)
        let updates = zip(parameters, moments).compactMap { parameter, moment in
            parameter.grad.map { (parameter, Tensor.AdamTensors(param: parameter.value, grad: $0, m: moment.m, v: moment.v)) }
        }
        // As few ops as possible (a launch per tensor on a GPU otherwise), the same numbers: a
        // group is one device's tensors, in order, and a parameter listed twice starts a new
        // group, so its two updates still follow one another instead of racing.
        var group: [Tensor.AdamTensors] = []
        var inGroup = Set<ObjectIdentifier>()
        for (_, entry) in updates {
            let buffer = ObjectIdentifier(entry.param.buffer as AnyObject)
            if let first = group.first, first.param.device !== entry.param.device || inGroup.contains(buffer) {
                try Tensor.adamSteps(group, hyper: hyper)
                (group, inGroup) = ([], [])
            }
            group.append(entry)
            inGroup.insert(buffer)
        }
        try Tensor.adamSteps(group, hyper: hyper)
        for (parameter, _) in updates { parameter.markModified() }
    }

    /// Restores moments and step from a checkpoint.
    public func restore(moments: [(m: Tensor, v: Tensor)], step: Int) throws {
        guard moments.count == parameters.count,
            zip(moments, parameters).allSatisfy({ $0.m.shape == $1.shape && $0.v.shape == $1.shape })
        else {
            throw FlowError.shapeMismatch(op: "Adam.restore", detail: "optimizer state does not match the model's \(parameters.count) parameters")
        }
        self.moments = moments
        self.step = step
    }
}

extension Array where Element == Parameter {
    /// The global L2 norm of all gradients, with one device read (for clipping, and to detect
    /// non-finite gradients: a NaN or inf anywhere makes the norm non-finite).
    public func gradientNorm() throws -> Double {
        let squares = try compactMap { parameter -> Tensor? in
            guard let grad = parameter.grad else { return nil }
            return try grad.reshaped([1, 1, grad.count]).channelSum(squared: true).reshaped([1, 1])
        }
        guard !squares.isEmpty else { return 0 }
        let total = try Tensor.concat(squares).sum().toArray()[0]
        return Double(total).squareRoot()
    }

    /// Scales every gradient by `factor` (gradient-norm clipping).
    public func scaleGradients(by factor: Float) throws {
        for parameter in self {
            guard let grad = parameter.grad else { continue }
            let scaled = try grad.scaled(by: factor)
            parameter.zeroGrad()
            try parameter.accumulate(scaled)
        }
    }
}
