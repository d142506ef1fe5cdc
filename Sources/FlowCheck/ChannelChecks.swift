import FlowRuntime
import FlowTestSupport

/// ActNorm (per-channel affine) forward, inverse and backward, and PReLU with its backward: the
/// cases of `ChannelCases` (FlowTestSupport), which ActNormTests and PReluTests run too.
enum ChannelChecks {
    static func run(_ r: CheckRecorder) {
        for shape in ChannelCases.shapes {
            r.run("actNorm", "\(shape)") { r.record(try ChannelCases.actNorm(on: r.testDevice, shape: shape)) }
            for seed in ChannelCases.actNormBackwardSeeds {
                r.run("actNorm backward", "\(shape) seed \(seed)") {
                    r.record(try ChannelCases.actNormBackward(on: r.testDevice, shape: shape, seed: seed))
                }
            }
            for seed in ChannelCases.preluSeeds {
                r.run("prelu", "\(shape) seed \(seed)") { r.record(try ChannelCases.prelu(on: r.testDevice, shape: shape, seed: seed)) }
            }
        }
    }
}
