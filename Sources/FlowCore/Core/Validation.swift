/// Argument checks shared by the Tensor ops; each throws an error naming the op and the shapes.
enum Validate {
    static func sameDevice(_ op: String, _ tensors: Tensor?...) throws {
        try sameDevice(op, all: tensors)
    }

    static func sameDevice(_ op: String, all tensors: [Tensor?]) throws {
        let present = tensors.compactMap { $0 }
        guard let first = present.first else { return }
        for tensor in present.dropFirst() where tensor.device !== first.device {
            throw FlowError.deviceMismatch(
                op: op,
                detail: "\(first.shape) on \(first.device.info.selector), \(tensor.shape) on \(tensor.device.info.selector)")
        }
    }

    static func shape(_ op: String, _ name: String, _ tensor: Tensor, _ expected: [Int]) throws {
        guard tensor.shape == expected else {
            throw FlowError.shapeMismatch(op: op, detail: "\(name) has shape \(tensor.shape), expected \(expected)")
        }
    }

    static func rank(_ op: String, _ name: String, _ tensor: Tensor, _ ranks: ClosedRange<Int>) throws {
        guard ranks.contains(tensor.rank) else {
            throw FlowError.shapeMismatch(
                op: op, detail: "\(name) has shape \(tensor.shape), expected rank \(ranks.lowerBound)...\(ranks.upperBound)")
        }
    }

    static func positive(_ op: String, _ name: String, _ value: Int) throws {
        guard value > 0 else { throw FlowError.invalidArgument(op: op, detail: "\(name) must be positive, got \(value)") }
    }

    /// `[outer, mid, inner]` view of a tensor whose axis 1 is the feature or channel axis.
    static func channelView(_ op: String, _ tensor: Tensor) throws -> AxisView {
        try rank(op, "input", tensor, 2...4)
        return AxisView(outer: tensor.shape[0], mid: tensor.shape[1], inner: tensor.shape.dropFirst(2).reduce(1, *))
    }
}
