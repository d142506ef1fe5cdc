import FlowCore

/// Every parameter tensor's Adam update in one pool job (`AdamGroupCapable`): the tensors are cut
/// into chunks of about 4,096 elements, small tensors whole, and the threads share the chunks.
/// One hand-off per step instead of one per large tensor, and the small ones (most of a model's
/// biases) no longer run one after another on the calling thread alone.
extension CPUDevice: AdamGroupCapable {
    public func adamStepGroup(_ hyper: AdamHyper, _ group: [AdamBuffers]) throws {
        let op = "adamStepGroup"
        let tensors = try group.map {
            AdamPointers(param: try floats($0.param, op), grad: try floats($0.grad, op), m: try floats($0.m, op), v: try floats($0.v, op))
        }
        let grain = 1 << 12
        var chunks: [(tensor: Int, range: Range<Int>)] = []
        for (index, entry) in group.enumerated() {
            var start = 0
            while start < entry.count {
                let end = entry.count - start < 2 * grain ? entry.count : start + grain
                chunks.append((index, start..<end))
                start = end
            }
        }
        // Each element is updated by one thread with the arithmetic of `adamStep`: the result does
        // not depend on the chunks.
        WorkerPool.shared.run(chunks.count) { chunk in
            CPUDevice.adamUpdate(hyper, tensors[chunks[chunk].tensor], chunks[chunk].range)
        }
    }
}
