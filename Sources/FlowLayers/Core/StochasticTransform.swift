import FlowRuntime

/// A transform whose forward pass draws random numbers: a stochastic transform in the sense of
/// SurVAE flows (Nielsen et al. 2020, arXiv:2007.02731). Its forward "log-det" is not a Jacobian
/// term but a one-draw estimate of a bound (`log p(x|z) − log q(z|x)` for a VAE, `−D·ln L` for
/// uniform dequantization), so `Flow.logProb` of a flow containing one is a random variable whose
/// expectation is an evidence lower bound. Such transforms own their noise stream (checkpoint
/// state, see `StatefulTransform`), and evaluation swaps in fixed streams (`Evaluator`) so that
/// held-out numbers are reproducible and the training stream is left untouched.
public protocol StochasticTransform: StatefulTransform {
    /// The stream the next forward pass draws from; it advances at every forward pass.
    var noise: RandomStream { get set }
    /// How many forward draws per example evaluation combines by importance weighting
    /// (`log p̂(x) = logsumexp_i w_i − log k`, Burda et al. 2016, arXiv:1509.00519) when the caller
    /// does not say. 1 keeps the single-draw convention (uniform dequantization's documented
    /// bits/dim); a VAE asks for more, because its single-draw bound is loose.
    var defaultImportanceSamples: Int { get }
}

/// The noise stream's position is the state of a stochastic transform that has no other: a
/// resumed run draws the exact same noise as an uninterrupted one.
extension StochasticTransform where Self: AnyObject {
    public func exportState() throws -> [String: TransformStateValue] { ["noise": .stream(noise)] }

    public func importState(_ state: [String: TransformStateValue]) throws {
        guard case let .stream(stream)? = state["noise"] else {
            throw FlowError.invalidArgument(op: "\(Self.self)(\(name)).importState", detail: "expected a 'noise' stream position")
        }
        noise = stream
    }
}

extension Flow {
    /// Every stochastic transform in the model, depth first (the order the evaluator seeds them in).
    public var stochasticTransforms: [any StochasticTransform] {
        statefulTransforms.compactMap { $0 as? any StochasticTransform }
    }

    /// The importance samples evaluation uses by default: the largest any stochastic transform
    /// asks for, 1 for a flow without one (whose log-density is then exact and deterministic).
    public var defaultImportanceSamples: Int {
        stochasticTransforms.map(\.defaultImportanceSamples).max() ?? 1
    }
}

/// A transform at the front of a model of discrete data whose inverse returns continuous
/// stand-ins for the data (dequantized `v + u`, a decoder's mean); `quantize` maps those to data
/// values, as `flowkit sample` writes them.
public protocol QuantizingTransform: Bijector {
    func quantize(_ y: Tensor) throws -> Tensor
}
