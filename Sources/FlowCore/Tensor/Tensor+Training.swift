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

    /// The four tensors of one parameter's Adam update, for `adamSteps`.
    public struct AdamTensors {
        public var param: Tensor
        public var grad: Tensor
        public var m: Tensor
        public var v: Tensor

        public init(param: Tensor, grad: Tensor, m: Tensor, v: Tensor) {
            (self.param, self.grad, self.m, self.v) = (param, grad, m, v)
        }
    }

    /// `adamStep` on every entry of `group` (all on one device), as one op where the device adopts
    /// `AdamGroupCapable`; bit-identical to the updates one by one.
    public static func adamSteps(_ group: [AdamTensors], hyper: AdamHyper) throws {
        try adamSteps(group, hyper: hyper, usingCapability: true)
    }

    package static func adamSteps(_ group: [AdamTensors], hyper: AdamHyper, usingCapability: Bool) throws {
        let op = "adamSteps"
        guard let first = group.first else { return }
        guard hyper.step >= 1 else { throw FlowError.invalidArgument(op: op, detail: "step must be ≥ 1, got \(hyper.step)") }
        for (index, entry) in group.enumerated() {
            try Validate.sameDevice(op, first.param, entry.param, entry.grad, entry.m, entry.v)
            for (name, tensor) in [("grad", entry.grad), ("m", entry.m), ("v", entry.v)] {
                try Validate.shape(op, "\(name) of entry \(index)", tensor, entry.param.shape)
            }
        }
        let device = first.param.device
        if usingCapability, let capable = device as? any AdamGroupCapable {
            let buffers = group.map { AdamBuffers(count: $0.param.count, param: $0.param.buffer, grad: $0.grad.buffer, m: $0.m.buffer, v: $0.v.buffer) }
            return try capable.adamStepGroup(hyper, buffers)
        }
        for entry in group {
            try device.adamStep(hyper, count: entry.param.count, param: entry.param.buffer, grad: entry.grad.buffer, m: entry.m.buffer, v: entry.v.buffer)
        }
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
