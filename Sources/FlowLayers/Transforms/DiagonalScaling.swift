import FlowRuntime

/// NICE's final diagonal scaling layer (Dinh et al. 2015, arXiv:1410.8516, §3.3): per feature
/// (axis 1) `y = x ⊙ exp(s)`, `log|det J| = positions · Σ s` (positions = H·W for images, 1 for
/// vectors). Starts at `s = 0`, the identity.
public final class DiagonalScaling: Bijector {
    public let name: String
    public let logScale: Parameter
    private let zeroLoc: Tensor

    public init(name: String = "DiagonalScaling", features: Int, on device: any Device) throws {
        self.name = name
        logScale = Parameter("\(name).logScale", try Tensor.zeros([features], on: device))
        zeroLoc = try Tensor.zeros([features], on: device)
    }

    public var parameters: [Parameter] { [logScale] }

    struct Tape: BijectorTape {
        var input: Tensor
        var negated: Tensor
    }

    // The runtime's ActNorm op computes (x − loc)·exp(−logScale): here loc = 0 and logScale = −s.
    public func forward(_ x: Tensor, context: Tensor?) throws -> (result: BijectorResult, tape: any BijectorTape) {
        let negated = try logScale.value.scaled(by: -1)
        let (output, logDet) = try x.actNorm(loc: zeroLoc, logScale: negated)
        return (BijectorResult(output: output, logDet: logDet), Tape(input: x, negated: negated))
    }

    public func inverse(_ z: Tensor, context: Tensor?) throws -> BijectorResult {
        let (output, logDet) = try z.actNorm(loc: zeroLoc, logScale: logScale.value.scaled(by: -1), inverse: true)
        return BijectorResult(output: output, logDet: logDet)
    }

    public func backward(_ tape: any BijectorTape, gradOutput: Tensor, gradLogDet: Tensor) throws -> BijectorGradients {
        let tape = try self.tape(tape, as: Tape.self)
        let grads = try Tensor.actNormBackward(
            input: tape.input, loc: zeroLoc, logScale: tape.negated, gradOutput: gradOutput, gradLogDet: gradLogDet)
        try logScale.accumulate(grads.logScale.scaled(by: -1))
        return BijectorGradients(input: grads.input, context: nil)
    }
}
