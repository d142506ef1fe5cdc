import FlowRuntime

/// A coupling whose transformed part goes through an `ElementwiseTransformer` (`SplineCoupling`,
/// `LogisticMixtureCoupling`), for vectors (`VectorMask`, an MLP conditioner) or images
/// (`ChannelMask`, a `ConvNet` conditioner; Flow++'s couplings). With `(a, b)` the mask's kept and
/// transformed parts and `θ` the conditioner's output on `a` (and the context):
///
///     y_a = a,   y_b,j = f(b_j; θ_j),   log|det J| = Σ_j log f′(b_j; θ_j)
///
/// with `θ_j` the transformer's parameters of element `j`, read off the conditioner's output as
/// `TransformerParameterLayout` says (vectors: feature by feature, `[B, D_b·P]` read as
/// `[B, D_b, P]` with no copy; images: `P` channel blocks, transposed). The Jacobian is
/// triangular because `θ` does not depend on `b`.
public final class TransformerCoupling<Transformer: ElementwiseTransformer>: Bijector {
    public let name: String
    public let mask: any CouplingMask
    public let conditioner: any Conditioner
    public let options: Transformer
    let layout: TransformerParameterLayout

    public init(name: String = Transformer.couplingName, mask: VectorMask, conditioner: any Conditioner, options: Transformer) {
        self.name = name
        self.mask = mask
        self.conditioner = conditioner
        self.options = options
        layout = .elementMajor(elements: mask.transformed.count)
    }

    /// An image coupling on `[B, C, height, width]`: the conditioner (a `ConvNet` on the kept
    /// channels) returns `P · C_t` channels, parameter `p` of every transformed channel in block `p`.
    public init(
        name: String = Transformer.couplingName, mask: ChannelMask, height: Int, width: Int, conditioner: any Conditioner,
        options: Transformer, on device: any Device
    ) throws {
        guard height >= 1, width >= 1 else {
            throw FlowError.invalidArgument(op: name, detail: "image size \(height)×\(width): need positive sizes")
        }
        self.name = name
        self.mask = mask
        self.conditioner = conditioner
        self.options = options
        layout = try TransformerParameterLayout(
            channels: mask.transformedChannels, positions: height * width, parametersPerElement: options.parametersPerElement, on: device)
    }

    public var parameters: [Parameter] { conditioner.parameters }

    struct Tape: BijectorTape {
        /// The transformed part as the op's `[B, N]` rows.
        var transformed: Tensor
        var transformerParameters: Tensor
        var conditionerOutputShape: [Int]
        var conditionerTape: any BijectorTape
    }

    private func transformerParameters(_ kept: Tensor, context: Tensor?) throws -> (Tensor, [Int], any BijectorTape) {
        let (output, tape) = try conditioner.forward(mask.conditionerInput(kept), context: context)
        return (try layout.parameters(output, perElement: options.parametersPerElement, op: name), output.shape, tape)
    }

    /// The transformed part (`[B, D_b]` or `[B, C_t, H, W]`) as `[B, N]` rows, and back.
    private func rows(_ part: Tensor) throws -> Tensor { try part.reshaped([part.batch, layout.elements]) }

    /// The transformer on the transformed part, its output in the part's shape.
    private func transform(_ part: Tensor, _ theta: Tensor, inverse: Bool) throws -> (output: Tensor, logDet: Tensor) {
        let (output, logDet) = try options.apply(rows(part), parameters: theta, inverse: inverse)
        return (try output.reshaped(part.shape), logDet)
    }

    public func forward(_ x: Tensor, context: Tensor?) throws -> (result: BijectorResult, tape: any BijectorTape) {
        let (kept, transformed) = try mask.split(x)
        let (theta, outputShape, conditionerTape) = try transformerParameters(kept, context: context)
        let (output, logDet) = try transform(transformed, theta, inverse: false)
        let tape = Tape(
            transformed: try rows(transformed), transformerParameters: theta, conditionerOutputShape: outputShape, conditionerTape: conditionerTape)
        return (BijectorResult(output: try mask.merge(kept: kept, transformed: output), logDet: logDet), tape)
    }

    public func inverse(_ z: Tensor, context: Tensor?) throws -> BijectorResult {
        let (kept, transformed) = try mask.split(z)
        let (theta, _, _) = try transformerParameters(kept, context: context)
        let (output, logDet) = try transform(transformed, theta, inverse: true)
        return BijectorResult(output: try mask.merge(kept: kept, transformed: output), logDet: logDet)
    }

    public func backward(_ tape: any BijectorTape, gradOutput: Tensor, gradLogDet: Tensor) throws -> BijectorGradients {
        let tape = try self.tape(tape, as: Tape.self)
        let (gradKept, gradTransformedOutput) = try mask.split(gradOutput)
        let grads = try options.backward(
            input: tape.transformed, parameters: tape.transformerParameters, gradOutput: rows(gradTransformedOutput), gradLogDet: gradLogDet)
        let gradTheta = try layout.parametersBackward(grads.parameters, outputShape: tape.conditionerOutputShape)
        let conditionerGrads = try conditioner.backward(tape.conditionerTape, gradOutput: gradTheta)
        let keptTotal = try gradKept.adding(mask.conditionerInputBackward(conditionerGrads.input))
        let gradTransformed = try grads.input.reshaped(gradTransformedOutput.shape)
        return BijectorGradients(input: try mask.merge(kept: keptTotal, transformed: gradTransformed), context: conditionerGrads.context)
    }
}
