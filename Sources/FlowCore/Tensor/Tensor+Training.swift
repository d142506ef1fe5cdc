extension Tensor {
    /// One fused Adam/AdamW update, in place on `param`, `m` and `v` (all of one shape).
    public static func adamStep(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, hyper: AdamHyper) throws {
        let op = "adamStep"
        try Validate.sameDevice(op, param, grad, m, v)
        for (name, tensor) in [("grad", grad), ("m", m), ("v", v)] {
            try Validate.shape(op, name, tensor, param.shape)
        }
        guard hyper.step >= 1 else { throw FlowError.invalidArgument(op: op, detail: "step must be ≥ 1, got \(hyper.step)") }
        try param.device.adamStep(hyper, count: param.count, param: param.buffer, grad: grad.buffer, m: m.buffer, v: v.buffer)
    }

    /// A tensor of random values from the Philox stream `(seed, counter)`; identical on every device.
    /// The stream advances by `ceil(count / 4)` counter blocks (see `Philox`).
    public static func random(
        _ shape: [Int], _ distribution: RandomDistribution, seed: UInt64, counter: UInt64 = 0, on device: any Device
    ) throws -> Tensor {
        let result = try empty(shape, on: device)
        try device.fillRandom(distribution, count: result.count, seed: seed, counter: counter, buffer: result.buffer)
        return result
    }
}
