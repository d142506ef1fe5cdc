import FlowRuntime

/// Glow's LU-parametrised 1×1-convolution weight (`Tensor.luWeight` and its backward), written once
/// for LUWeightOpTests and `flowkit check`: random parts (`ReferenceLUWeight`: random permutations,
/// signs of both kinds, entries in the unused triangles that must be ignored), a batch and log-det
/// scale, and for the backward the incoming gradients, against the reference's matrices with its
/// per-entry tolerances plus `OpTolerance.luWeightRtol`.
public struct LUWeightCase: Sendable, CustomStringConvertible {
    public var reference: ReferenceLUWeight
    public var batch: Int
    public var logDetScale: Double
    public var gradWeight: [Double]
    public var gradLogDet: [Double]

    public var description: String { "\(reference.channels)×\(reference.channels), batch \(batch), scale \(logDetScale)" }

    /// The tests' channel counts.
    public static let channelCounts = [1, 2, 3, 5, 8, 17]

    /// Forward: each channel count (seed 51, in turn) at batch 1, scale 16 and batch 5, scale −4;
    /// then `checkCases`.
    public static let forward: [LUWeightCase] = {
        var rng = SeededRandom(seed: 51)
        return channelCounts.flatMap { n in
            let reference = ReferenceLUWeight.random(channels: n, random: &rng)
            return [(1, 16.0), (5, -4.0)].map { LUWeightCase(reference: reference, batch: $0.0, logDetScale: $0.1, gradWeight: [], gradLogDet: []) }
        } + checkCases
    }()

    /// Backward: each channel count (seed 52, in turn) at batch 3, scale 9; then `checkCases`.
    public static let backward: [LUWeightCase] = {
        var rng = SeededRandom(seed: 52)
        return channelCounts.map { n in
            let reference = ReferenceLUWeight.random(channels: n, random: &rng)
            let (gradWeight, gradLogDet) = (rng.floats(n * n), rng.floats(3))
            return LUWeightCase(reference: reference, batch: 3, logDetScale: 9, gradWeight: gradWeight, gradLogDet: gradLogDet)
        } + checkCases
    }()

    /// 8 channels (an 8×8 Glow's second level) and an odd 17 at batch 5, scale 16 (seed 53, in
    /// turn: `flowkit check`'s own before the registry), forward and backward.
    public static let checkCases: [LUWeightCase] = {
        var rng = SeededRandom(seed: 53)
        return [8, 17].map { n in
            let reference = ReferenceLUWeight.random(channels: n, random: &rng)
            let (gradWeight, gradLogDet) = (rng.floats(n * n), rng.floats(5))
            return LUWeightCase(reference: reference, batch: 5, logDetScale: 16, gradWeight: gradWeight, gradLogDet: gradLogDet)
        }
    }()

    /// The weight and the per-sample log-det `scale·Σ logS`.
    public func runForward(on d: TestDevice, usingCapability: Bool) throws -> [OpComparison] {
        let result = try Tensor.luWeight(
            reference.parts(on: d.device), batch: batch, logDetScale: Float(logDetScale), usingCapability: usingCapability)
        let logDet = [Double](repeating: logDetScale * reference.logS.reduce(0, +), count: batch)
        return [
            try OpComparison(op: "lu weight", result.weight, reference.weight, rtol: OpTolerance.luWeightRtol, atol: reference.weightTolerance),
            try OpComparison(
                op: "lu weight logDet", result.logDet, logDet, rtol: OpTolerance.luWeightRtol,
                atol: reference.logDetTolerance(logDetScale: logDetScale)),
        ]
    }

    /// The parts' gradients: ∂lower, ∂upper and ∂logS.
    public func runBackward(on d: TestDevice, usingCapability: Bool) throws -> [OpComparison] {
        let n = reference.channels
        let tape = try Tensor.luWeight(
            reference.parts(on: d.device), batch: batch, logDetScale: Float(logDetScale), usingCapability: usingCapability
        ).tape
        let grads = try Tensor.luWeightBackward(tape, gradWeight: d.tensor(gradWeight, [n, n]), gradLogDet: d.tensor(gradLogDet, [batch]))
        let expected = reference.gradients(gradWeight: gradWeight, gradLogDet: gradLogDet, logDetScale: logDetScale)
        let atol = reference.gradientTolerances(gradWeight: gradWeight, gradLogDet: gradLogDet, logDetScale: logDetScale)
        let rtol = OpTolerance.luWeightRtol
        return [
            try OpComparison(op: "lu weight ∂lower", grads.lower, expected.lower, rtol: rtol, atol: atol.lower),
            try OpComparison(op: "lu weight ∂upper", grads.upper, expected.upper, rtol: rtol, atol: atol.upper),
            try OpComparison(op: "lu weight ∂logS", grads.logS, expected.logS, rtol: rtol, atol: atol.logS),
        ]
    }
}
