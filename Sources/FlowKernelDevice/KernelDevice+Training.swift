import FlowCore

/// Adam and random numbers (`adam.cl`, `random.cl`).
extension KernelDevice {
    public func adamStep(
        _ hyper: AdamHyper, count: Int, param: any DeviceBuffer, grad: any DeviceBuffer, m: any DeviceBuffer,
        v: any DeviceBuffer
    ) throws {
        let (correction1, correction2) = hyper.biasCorrections
        try launchElementwise(
            "adam", "adam_step", count: count,
            [
                .int(count), .float(hyper.learningRate), .float(hyper.beta1), .float(hyper.beta2), .float(hyper.epsilon),
                .float(hyper.weightDecay), .int(hyper.decoupled ? 1 : 0), .float(correction1), .float(correction2),
                .buffer(param), .buffer(grad), .buffer(m), .buffer(v),
            ])
    }

    public func fillRandom(
        _ distribution: RandomDistribution, count: Int, seed: UInt64, counter: UInt64, buffer: any DeviceBuffer
    ) throws {
        try launchElementwise(
            "random", "random_fill", count: (count + 3) / 4,
            [
                .int(count), .int(Int(distribution.rawValue)),
                .uint(UInt32(truncatingIfNeeded: seed)), .uint(UInt32(truncatingIfNeeded: seed >> 32)),
                .uint(UInt32(truncatingIfNeeded: counter)), .uint(UInt32(truncatingIfNeeded: counter >> 32)),
                .buffer(buffer),
            ])
    }
}
