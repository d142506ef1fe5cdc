import FlowRuntime

/// The block layout MAF and IAF share: `blocks` autoregressive affine transforms, each
/// driven by its own MADE, with the feature order reversed before every block but the first
/// (none before block 0, none after the last), so each block sees the others' last features first.
enum MADEStack {
    static func build(
        name: String, features: Int, blocks: Int, hidden: Int, hiddenLayers: Int, contextFeatures: Int,
        degrees: MADEDegrees.Assignment, activation: UnaryOp, direction: AutoregressiveDirection, logScaleBound: LogScaleBound,
        random: inout RandomStream, on device: any Device
    ) throws -> (chain: Chain, blocks: [AutoregressiveAffine]) {
        guard blocks >= 1, hidden >= 1, hiddenLayers >= 0 else {
            throw FlowError.invalidArgument(
                op: name, detail: "blocks \(blocks), hidden \(hidden), hidden layers \(hiddenLayers): need at least one block and positive sizes")
        }
        var transforms: [any Bijector] = []
        var affine: [AutoregressiveAffine] = []
        for index in 0..<blocks {
            if index > 0 { transforms.append(try Permutation.reversal(name: "\(name).reverse\(index)", features: features, on: device)) }
            let made = try MADE(
                name: "\(name).block\(index).made", features: features, hidden: Array(repeating: hidden, count: hiddenLayers),
                contextFeatures: contextFeatures, degrees: degrees, activation: activation, random: &random, on: device)
            let block = AutoregressiveAffine(name: "\(name).block\(index)", conditioner: made, direction: direction, logScaleBound: logScaleBound)
            affine.append(block)
            transforms.append(block)
        }
        return (Chain(transforms, name: name), affine)
    }

    static func freeParameterCount(_ blocks: [AutoregressiveAffine]) -> Int {
        blocks.reduce(0) { $0 + (($1.conditioner as? MADE)?.freeParameterCount ?? 0) }
    }
}
