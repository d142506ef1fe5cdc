import FlowRuntime

/// 2×2 space-to-depth (RealNVP's squeeze, Dinh et al. 2017, arXiv:1605.08803, §3.6; Glow,
/// arXiv:1807.03039): forward `[B, C, H, W] → [B, 4C, H/2, W/2]` with
/// `out[b, 4c + 2dy + dx, i, j] = in[b, c, 2i + dy, 2j + dx]` (Glow's convention), inverse the
/// depth-to-space. A permutation of the entries, so `log|det J| = 0`.
/// With `unsqueeze` the directions swap (forward is depth-to-space).
public final class Squeeze: Bijector, EntryPermuting {
    public let name: String
    public let unsqueeze: Bool

    public init(name: String = "Squeeze", unsqueeze: Bool = false) {
        self.name = name
        self.unsqueeze = unsqueeze
    }

    public var parameters: [Parameter] { [] }

    struct Tape: BijectorTape {}

    private func apply(_ x: Tensor, inverse: Bool) throws -> BijectorResult {
        let output = inverse != unsqueeze ? try x.unsqueeze2x2() : try x.squeeze2x2()
        return BijectorResult(output: output, logDet: try Tensor.zeros([x.batch], on: x.device))
    }

    public func forward(_ x: Tensor, context: Tensor?) throws -> (result: BijectorResult, tape: any BijectorTape) {
        (try apply(x, inverse: false), Tape())
    }

    public func inverse(_ z: Tensor, context: Tensor?) throws -> BijectorResult {
        try apply(z, inverse: true)
    }

    /// The backward of a permutation is the inverse permutation.
    public func backward(_ tape: any BijectorTape, gradOutput: Tensor, gradLogDet: Tensor) throws -> BijectorGradients {
        _ = try self.tape(tape, as: Tape.self)
        return BijectorGradients(input: try apply(gradOutput, inverse: true).output, context: nil)
    }
}
