import FlowRuntime
import FlowTestSupport

/// Glow's LU-parametrised 1×1-convolution weight (`Tensor.luWeight`, one op each way on a device
/// with `LUWeightCapable`): the weight, its log-det and the parts' gradients against the Double
/// reference with the tests' tolerances, at 8 channels (an 8×8 Glow's second level) and an odd 17.
enum LUWeightChecks {
    static func run(_ r: CheckRecorder) {
        var rng = SeededRandom(seed: 53)
        for channels in [8, 17] {
            let shapes = "\(channels)×\(channels), batch 5"
            r.run("lu weight", shapes) {
                let reference = ReferenceLUWeight.random(channels: channels, random: &rng)
                let (batch, scale) = (5, 16.0)
                let n = channels
                let forward = try Tensor.luWeight(reference.parts(on: r.device), batch: batch, logDetScale: Float(scale))
                try r.close("lu weight", shapes, forward.weight, reference.weight, rtol: OpTolerance.luWeightRtol, atol: reference.weightTolerance)
                try r.close(
                    "lu weight logDet", shapes, forward.logDet, [Double](repeating: scale * reference.logS.reduce(0, +), count: batch),
                    rtol: OpTolerance.luWeightRtol, atol: reference.logDetTolerance(logDetScale: scale))
                let (gradWeight, gradLogDet) = (rng.floats(n * n), rng.floats(batch))
                let grads = try Tensor.luWeightBackward(
                    forward.tape, gradWeight: r.tensor(gradWeight, [n, n]), gradLogDet: r.tensor(gradLogDet, [batch]))
                let expected = reference.gradients(gradWeight: gradWeight, gradLogDet: gradLogDet, logDetScale: scale)
                let atol = reference.gradientTolerances(gradWeight: gradWeight, gradLogDet: gradLogDet, logDetScale: scale)
                try r.close("lu weight ∂lower", shapes, grads.lower, expected.lower, rtol: OpTolerance.luWeightRtol, atol: atol.lower)
                try r.close("lu weight ∂upper", shapes, grads.upper, expected.upper, rtol: OpTolerance.luWeightRtol, atol: atol.upper)
                try r.close("lu weight ∂logS", shapes, grads.logS, expected.logS, rtol: OpTolerance.luWeightRtol, atol: atol.logS)
            }
        }
    }
}
