import FlowRuntime

/// A fused elementwise transformer with its own parameters per element: the shape of a
/// rational-quadratic spline (`SplineOptions`) or of Flow++'s logistic mixture
/// (`LogisticMixtureOptions`). `TransformerCoupling` applies one to a coupling's transformed part.
/// Inputs are `[B, D]`, parameters `[B, D, parametersPerElement]`, log-dets `[B]`.
public protocol ElementwiseTransformer {
    /// Conditioner outputs per transformed feature.
    var parametersPerElement: Int { get }
    /// The transform (or its inverse) and its per-sample log-det.
    func apply(_ x: Tensor, parameters: Tensor, inverse: Bool) throws -> (output: Tensor, logDet: Tensor)
    /// Gradients of the forward's input and parameters for `L = ⟨g, y⟩ + ⟨g_l, log-det⟩`.
    func backward(input: Tensor, parameters: Tensor, gradOutput: Tensor, gradLogDet: Tensor) throws -> (input: Tensor, parameters: Tensor)
    /// The coupling's default name.
    static var couplingName: String { get }
}

extension SplineOptions: ElementwiseTransformer {
    public static var couplingName: String { "SplineCoupling" }

    public func apply(_ x: Tensor, parameters: Tensor, inverse: Bool) throws -> (output: Tensor, logDet: Tensor) {
        try x.rationalQuadraticSpline(parameters: parameters, options: self, inverse: inverse)
    }

    public func backward(input: Tensor, parameters: Tensor, gradOutput: Tensor, gradLogDet: Tensor) throws -> (input: Tensor, parameters: Tensor) {
        let grads = try Tensor.rationalQuadraticSplineBackward(
            input: input, parameters: parameters, options: self, gradOutput: gradOutput, gradLogDet: gradLogDet)
        return (grads.input, grads.parameters)
    }
}

extension LogisticMixtureOptions: ElementwiseTransformer {
    public static var couplingName: String { "LogisticMixtureCoupling" }

    public func apply(_ x: Tensor, parameters: Tensor, inverse: Bool) throws -> (output: Tensor, logDet: Tensor) {
        try x.logisticMixture(parameters: parameters, options: self, inverse: inverse)
    }

    public func backward(input: Tensor, parameters: Tensor, gradOutput: Tensor, gradLogDet: Tensor) throws -> (input: Tensor, parameters: Tensor) {
        let grads = try Tensor.logisticMixtureBackward(
            input: input, parameters: parameters, options: self, gradOutput: gradOutput, gradLogDet: gradLogDet)
        return (grads.input, grads.parameters)
    }
}
