import FlowRuntime

/// A normalizing flow: a chain of transforms from data to noise, and a base distribution on the
/// noise. `log p(x) = log p_base(f(x)) + log|det ∂f/∂x|`.
public final class Flow: ParameterOwner {
    public let chain: Chain
    public let base: any BaseDistribution

    public init(transforms: [any Bijector], base: any BaseDistribution, backwardMode: BackwardMode = .storeActivations) {
        chain = Chain(transforms, name: "flow", backwardMode: backwardMode)
        self.base = base
    }

    public var parameters: [Parameter] { chain.parameters + base.parameters }
    public var backwardMode: BackwardMode {
        get { chain.backwardMode }
        set { chain.backwardMode = newValue }
    }

    /// Data → noise: `(z, log|det ∂z/∂x|)`.
    public func transform(_ x: Tensor, context: Tensor? = nil) throws -> BijectorResult {
        try chain.transform(x, context: context)
    }

    /// Noise → data: `(x, log|det ∂x/∂z|)`.
    public func inverse(_ z: Tensor, context: Tensor? = nil) throws -> BijectorResult {
        try chain.inverse(z, context: context)
    }

    /// Per-sample log-density `[B]`: for a finite input a finite number, or −inf where the
    /// sample lies outside the model's support or its density is below what Float represents
    /// (its state left Float's range inside the flow), never NaN — the rule `RangeMonitor`
    /// states. (A model with non-finite parameters has no density; it answers NaN.) Batches in
    /// range get exactly the plain forward pass's numbers; one with a sample out of range is
    /// evaluated a second time, stage by stage, with the noise of stochastic transforms replayed.
    public func logProb(_ x: Tensor, context: Tensor? = nil) throws -> Tensor {
        let stochastic = stochasticTransforms
        let streams = stochastic.map(\.noise)
        let watch = RangeMonitor(mode: .watch, batch: x.batch)
        let computed = try logProb(x, context: context, monitor: watch)
        if try watch.isClear(computed) { return computed }
        for (transform, stream) in zip(stochastic, streams) { transform.noise = stream }
        let enforce = RangeMonitor(mode: .enforce, batch: x.batch)
        let checked = try logProb(x, context: context, monitor: enforce)
        // Non-finite parameters: every sample is out of range, and NaN says why.
        guard try parameters.allSatisfy({ try $0.value.toArray().allSatisfy(\.isFinite) }) else { return computed }
        return try enforce.settle(checked)
    }

    /// Per sample of `x`, whether it lies in the support of the model's first transform when that
    /// is restricted (`SupportRestricted`: a dequantizer's levels, a VAE's discrete decoder; true
    /// for every other model). `logProb` evaluates the model's expression for any real data, as
    /// training's data gradients need; evaluation (`Evaluator`) answers −inf outside, where the
    /// probability is zero.
    public func dataInSupport(_ x: Tensor) throws -> [Bool] {
        guard let restricted = chain.transforms.first as? any SupportRestricted else { return Array(repeating: true, count: x.batch) }
        return try restricted.inSupport(x)
    }

    /// `log p_base(f(x)) + log|det ∂f/∂x|` with `monitor` checking the input and every state.
    private func logProb(_ x: Tensor, context: Tensor?, monitor: RangeMonitor) throws -> Tensor {
        let result = try monitor.forward(chain, monitor.admit(x), context: context)
        return try base.logProb(result.output, context: context).adding(result.logDet)
    }

    public func sample(_ count: Int, context: Tensor? = nil, random: inout RandomStream, temperature: Float = 1, on device: any Device) throws -> Tensor {
        try sampleAndLogProb(count, context: context, random: &random, temperature: temperature, on: device).samples
    }

    /// Samples and their log-densities in one pass: `log p(x) = log p_base(z) − log|det ∂x/∂z|`.
    /// (With a temperature ≠ 1 the log-density is still that of the untempered model.) A flow
    /// with a VAE layer has no density here: its decoder's inverse log-det is NaN, so the
    /// log-densities are NaN; estimate them with `Evaluator` (importance sampling) instead.
    public func sampleAndLogProb(
        _ count: Int, context: Tensor? = nil, random: inout RandomStream, temperature: Float = 1, on device: any Device
    ) throws -> (samples: Tensor, logProb: Tensor) {
        let z = try base.sample(count: count, context: context, random: &random, temperature: temperature, on: device)
        let result = try chain.inverse(z, context: context)
        return (result.output, try base.logProb(z, context: context).subtracting(result.logDet))
    }

    /// Mean negative log-likelihood of the batch (a one-element tensor, left on the device) and
    /// its gradient, accumulated into every parameter. Also returns `∂NLL/∂x` and `∂NLL/∂context`.
    public func meanNLLBackward(_ x: Tensor, context: Tensor? = nil) throws -> (loss: Tensor, gradients: BijectorGradients) {
        let (result, tape) = try chain.forward(x, context: context)
        let logProb = try base.logProb(result.output, context: context).adding(result.logDet)
        let loss = try logProb.mean().scaled(by: -1)
        // L = −(1/B) Σ_b log p(x_b): every sample's log-prob and log-det get −1/B.
        let gradLogProb = try Tensor.full([x.batch], value: -1 / Float(x.batch), on: x.device)
        let baseGrads = try base.logProbBackward(result.output, context: context, gradLogProb: gradLogProb)
        var grads = try chain.backward(tape, gradOutput: baseGrads.input, gradLogDet: gradLogProb)
        grads.context = try addOptional(grads.context, baseGrads.context)
        return (loss, grads)
    }

    public func zeroGrad() { parameters.forEach { $0.zeroGrad() } }

    /// After a non-finite loss: the first transform producing a non-finite value, or nil.
    public func firstNonFinite(_ x: Tensor, context: Tensor? = nil) throws -> String? {
        try chain.firstNonFinite(x, context: context)
    }
}
