import FlowRuntime

/// The autoregressive rational-quadratic spline transform (Neural Spline Flows, Durkan et al.
/// 2019, arXiv:1906.04032, §3.2): with `θ = MADE(x)` (and the context),
///
///     z_i = RQS(x_i; θ_i(x_<i))   (identity outside [−B, B]),   log|det ∂z/∂x| = Σ_i log RQS′(x_i; θ_i)
///
/// `θ_i` being the `3K − 1` unnormalised widths, heights and interior slopes of feature `i`, which
/// the MADE emits feature by feature (`MADEDegrees.OutputLayout.featureMajor`), so its `[B, D·(3K − 1)]`
/// output is the spline op's `[B, D, 3K − 1]` with no copy. Feature `i`'s spline reads only the
/// features before it in the MADE's degree order, so the Jacobian is triangular in that order.
///
/// Forward (data → noise, the density direction) is one pass, as for MAF. Inverse (sampling) takes
/// `D` passes `x ← RQS⁻¹(z; θ(x))` from `x = 0`: after pass `k` the features of degree ≤ `k` are
/// exact, so after `D` passes every `θ_i` was computed from exact inputs and so is the result.
/// Through a ReLU MADE the passes run incrementally (`MADE.solveByDegree`, as for MAF): pass `d`
/// computes only the units of degree `d − 1` and the spline of the feature of degree `d`, so
/// sampling costs about one network evaluation plus `D` one-column spline inverses.
public final class AutoregressiveSpline: Bijector {
    public let name: String
    public let made: MADE
    public let options: SplineOptions
    /// The incremental inverse; off only to test it against the plain recursion.
    public var useIncrementalInverse = true

    public init(name: String = "AutoregressiveSpline", made: MADE, options: SplineOptions) throws {
        guard made.degrees.outputsPerFeature == options.parametersPerElement, made.degrees.outputLayout == .featureMajor else {
            throw FlowError.invalidArgument(
                op: name,
                detail: "the MADE emits \(made.degrees.outputsPerFeature) outputs per feature (\(made.degrees.outputLayout)); "
                    + "a \(options.bins)-bin spline needs \(options.parametersPerElement), feature by feature")
        }
        self.name = name
        self.made = made
        self.options = options
    }

    public var parameters: [Parameter] { made.parameters }

    struct Tape: BijectorTape {
        var input: Tensor
        var splineParameters: Tensor
        var madeTape: any BijectorTape
    }

    /// `θ(source)` as `[B, D, 3K − 1]`.
    private func splineParameters(_ source: Tensor, context: Tensor?) throws -> (Tensor, any BijectorTape) {
        let (output, tape) = try made.forward(source, context: context)
        return (try output.reshaped([source.shape[0], made.features, options.parametersPerElement]), tape)
    }

    public func forward(_ x: Tensor, context: Tensor?) throws -> (result: BijectorResult, tape: any BijectorTape) {
        let (theta, madeTape) = try splineParameters(x, context: context)
        let (z, logDet) = try x.rationalQuadraticSpline(parameters: theta, options: options)
        return (BijectorResult(output: z, logDet: logDet), Tape(input: x, splineParameters: theta, madeTape: madeTape))
    }

    public func inverse(_ z: Tensor, context: Tensor?) throws -> BijectorResult {
        guard z.rank == 2, z.shape[1] == made.features else {
            throw FlowError.shapeMismatch(op: "\(name).inverse", detail: "input \(z.shape), expected [B, \(made.features)]")
        }
        if useIncrementalInverse, let result = try incrementalInverse(z, context: context) { return result }
        var x = try z.zerosLike()
        var logDet = try Tensor.zeros([z.shape[0]], on: z.device)
        for _ in 0..<made.sequentialPasses(eventShape: [made.features]) {
            let (theta, _) = try splineParameters(x, context: context)
            (x, logDet) = try z.rationalQuadraticSpline(parameters: theta, options: options, inverse: true)
        }
        return BijectorResult(output: x, logDet: logDet)
    }

    /// One degree at a time: each feature's `[m, B]` block of MADE outputs, moved to the spline
    /// op's `[B, 1, m]` by a gather (exact), then that feature's inverse. The log-det sums the
    /// features' terms in degree order.
    private func incrementalInverse(_ z: Tensor, context: Tensor?) throws -> BijectorResult? {
        let (batch, perFeature) = (z.shape[0], options.parametersPerElement)
        // The gather's indices are 32-bit; a batch too large for them takes the plain passes.
        guard batch > 0, batch <= Int(Int32.max) / perFeature else { return nil }
        // transposed[b·m + p] = block[p·B + b].
        let transpose = try IndexTensor(
            (0..<(batch * perFeature)).map { Int32(($0 % perFeature) * batch + $0 / perFeature) }, on: z.device)
        var logDet = try Tensor.zeros([batch], on: z.device)
        let solved = try made.solveByDegree(z, context: context) { block, noiseRow in
            let theta = try block.reshaped([1, perFeature * batch]).gather(transpose).reshaped([batch, 1, perFeature])
            let (value, featureLogDet) = try noiseRow.reshaped([batch, 1]).rationalQuadraticSpline(
                parameters: theta, options: options, inverse: true)
            logDet = try logDet.adding(featureLogDet)
            return try value.reshaped([1, batch])
        }
        guard let solved else { return nil }
        return BijectorResult(output: solved.x, logDet: logDet)
    }

    /// `∂L/∂x = ∂z/∂x ⊙ g_z + ∂(log-det)/∂x · g_l` through the spline directly, plus the MADE's
    /// input gradient for the cotangent of `θ` (the spline backward's parameter gradient).
    public func backward(_ tape: any BijectorTape, gradOutput: Tensor, gradLogDet: Tensor) throws -> BijectorGradients {
        let tape = try self.tape(tape, as: Tape.self)
        let spline = try Tensor.rationalQuadraticSplineBackward(
            input: tape.input, parameters: tape.splineParameters, options: options, gradOutput: gradOutput, gradLogDet: gradLogDet)
        let gradTheta = try spline.parameters.reshaped([gradOutput.shape[0], made.outputs])
        let madeGrads = try made.backward(tape.madeTape, gradOutput: gradTheta)
        return BijectorGradients(input: try spline.input.adding(madeGrads.input), context: madeGrads.context)
    }
}
