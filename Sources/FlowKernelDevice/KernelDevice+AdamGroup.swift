import FlowCore

/// Parameter tensors updated eight to a launch (`adam_step_group` in `adam.cl`), each element with
/// the arithmetic of `adam_step`: an 8-coupling RealNVP's 48 parameter tensors take 6 launches instead of 48.
extension KernelDevice: AdamGroupCapable {
    /// Tensors per launch: the kernel's slots.
    static var adamSlots: Int { 8 }

    public func adamStepGroup(_ hyper: AdamHyper, _ group: [AdamBuffers]) throws {
        let (correction1, correction2) = hyper.biasCorrections
        var first = 0
        while first < group.count {
            let slots = Array(group[first..<min(group.count, first + Self.adamSlots)])
            first += slots.count
            // Global index where each slot's tensor starts; slots past the group start at the total.
            var starts = [0]
            for entry in slots { starts.append(starts[starts.count - 1] + entry.count) }
            let total = starts[slots.count]
            guard total <= Int(Int32.max) else {
                // The kernel indexes with 32-bit ints: such a group goes tensor by tensor.
                for entry in slots { try adamStep(hyper, count: entry.count, param: entry.param, grad: entry.grad, m: entry.m, v: entry.v) }
                continue
            }
            let boundaries = (1..<Self.adamSlots).map { $0 < starts.count ? starts[$0] : total }
            var arguments: [KernelArgument] = [.int(total)] + boundaries.map { .int($0) }
            arguments += [
                .float(hyper.learningRate), .float(hyper.beta1), .float(hyper.beta2), .float(hyper.epsilon),
                .float(hyper.weightDecay), .int(hyper.decoupled ? 1 : 0), .float(correction1), .float(correction2),
            ]
            for slot in 0..<Self.adamSlots {
                let entry = slot < slots.count ? slots[slot] : nil
                arguments += [.optionalBuffer(entry?.param), .optionalBuffer(entry?.grad), .optionalBuffer(entry?.m), .optionalBuffer(entry?.v)]
            }
            try launchElementwise("adam", "adam_step_group", count: total, arguments)
        }
    }
}
