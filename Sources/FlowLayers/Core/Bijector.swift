import FlowRuntime

/// What a transform's forward pass keeps for its backward pass (its own concrete type).
public protocol BijectorTape {}

/// The output of a forward or inverse pass: the transformed tensor and the per-sample
/// `log|det ∂output/∂input|` (`[B]`).
public struct BijectorResult {
    public var output: Tensor
    public var logDet: Tensor

    public init(output: Tensor, logDet: Tensor) {
        self.output = output
        self.logDet = logDet
    }
}

/// Gradients a backward pass returns (parameter gradients are accumulated into the parameters).
public struct BijectorGradients {
    /// `∂L/∂input`.
    public var input: Tensor
    /// `∂L/∂context`, or nil when the transform does not use the context.
    public var context: Tensor?

    public init(input: Tensor, context: Tensor?) {
        self.input = input
        self.context = context
    }
}

/// An invertible transform with a tractable log-determinant: the building block of a flow.
///
/// Direction convention: `forward` maps data to noise (the density direction, what `logProb`
/// evaluates), `inverse` maps noise to data (sampling). Shapes are batch first (`[B, D]` vectors,
/// `[B, C, H, W]` images, `[B, C, T]` sequences). Every transform takes an optional context tensor
/// `[B, K]` (conditional flows) and ignores it where it has no use.
public protocol Bijector: ParameterOwner {
    /// A short name for messages ("AffineCoupling" or the name given at construction).
    var name: String { get }

    /// Data → noise, keeping in the tape whatever `backward` needs.
    func forward(_ x: Tensor, context: Tensor?) throws -> (result: BijectorResult, tape: any BijectorTape)

    /// Noise → data; `logDet` is `log|det ∂x/∂z|` (the negative of the forward log-det at x).
    func inverse(_ z: Tensor, context: Tensor?) throws -> BijectorResult

    /// Backward of `forward`: given `∂L/∂output` and `∂L/∂logDet` (`[B]`), accumulates the
    /// parameter gradients and returns `∂L/∂input` (and `∂L/∂context`).
    func backward(_ tape: any BijectorTape, gradOutput: Tensor, gradLogDet: Tensor) throws -> BijectorGradients

    /// Whether `inverse(forward(x))` rebuilds `x` well enough to recompute the tape from it
    /// (reversible backward). False for transforms without an exact inverse of the training-mode
    /// forward (batch normalisation with batch statistics, planar flows). Default: true.
    var reconstructsInput: Bool { get }
}

extension Bijector {
    public var reconstructsInput: Bool { true }

    /// Forward pass without keeping the tape (evaluation).
    public func transform(_ x: Tensor, context: Tensor? = nil) throws -> BijectorResult {
        try forward(x, context: context).result
    }

    /// The tape as the concrete type a transform stored, or an error naming the transform.
    public func tape<T: BijectorTape>(_ tape: any BijectorTape, as type: T.Type) throws -> T {
        guard let typed = tape as? T else {
            throw FlowError.invalidArgument(op: "\(name).backward", detail: "tape of type \(Swift.type(of: tape)) is not from this transform")
        }
        return typed
    }
}

/// Transforms that can only be evaluated in one direction (planar flows) throw this from `inverse`.
public struct NotInvertibleError: Error, CustomStringConvertible {
    public let transform: String
    public let reason: String
    public var description: String { "\(transform) has no closed-form inverse: \(reason)" }
}
