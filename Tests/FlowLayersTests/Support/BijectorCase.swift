import FlowLayers
import FlowRuntime

/// One entry of the property-test registry: how to build a transform and what input it takes.
/// Adding a transform to every property test is one line in a `Cases/*.swift` list.
struct BijectorCase: CustomStringConvertible, Sendable {
    let name: String
    /// Input shape without the batch dimension (`[D]`, `[C, H, W]`, `[C, T]`).
    let eventShape: [Int]
    /// Context features (0: unconditional).
    var contextFeatures = 0
    /// A context image's shape without the batch dimension (`[K, H, W]`), instead of `[K]` features.
    var contextImage: [Int]? = nil
    /// False for transforms without an inverse (planar flow): the inverse checks are skipped and
    /// `inverse` must throw instead.
    var invertible = true
    /// Perturbation added to every parameter before testing, so zero-initialised conditioners
    /// do not make the transform a trivial identity.
    var perturbation: Float = 0.3
    /// Whether samples interact in the forward pass (batch norm in training mode): then the
    /// per-sample Jacobian check runs the transform in evaluation mode.
    var prepareForJacobian: (@Sendable (any Bijector) -> Void)? = nil
    /// Stochastic transforms (a VAE layer): the output is a random latent of another size, so
    /// the inverse and Jacobian checks do not apply; the gradient test runs with the noise fixed
    /// (every evaluation restarts the transform's stream at the same position).
    var stochastic = false
    /// The input when standard normals will not do (integer levels for a discrete decoder).
    var makeInput: (@Sendable ([Int], any Device, inout RandomStream) throws -> Tensor)? = nil
    let build: @Sendable (any Device, inout RandomStream) throws -> any Bijector

    var description: String { name }
    var features: Int { eventShape.reduce(1, *) }
    /// The context's shape without the batch dimension, or nil when there is none.
    var contextShape: [Int]? { contextImage ?? (contextFeatures > 0 ? [contextFeatures] : nil) }
}

/// The registry: every transform family adds its cases in its own file under `Cases/`.
enum BijectorCases {
    static var all: [BijectorCase] { coupling + spline + mixture + fixed + image + autoregressive + elementwise + normLinear + vae }
    /// The cases with an inverse and a square Jacobian to check.
    static var bijective: [BijectorCase] { all.filter { !$0.stochastic } }
}
