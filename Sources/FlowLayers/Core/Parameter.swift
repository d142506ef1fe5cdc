import FlowRuntime

/// A learnable tensor and the gradient accumulated into it by `backward` passes.
///
/// Gradients accumulate (a parameter used twice receives the sum) until `zeroGrad`. Parameters are
/// named with dotted paths (`coupling3.net.layer0.weight`) so checkpoints can be read by other tools.
public final class Parameter: @unchecked Sendable {
    // @unchecked: like the Tensors it holds, a Parameter is used by one training loop at a time.
    public let name: String
    public var value: Tensor
    public private(set) var grad: Tensor?

    public init(_ name: String, _ value: Tensor) {
        self.name = name
        self.value = value
    }

    public var device: any Device { value.device }
    public var shape: [Int] { value.shape }

    /// Adds `gradient` to the accumulated gradient (which starts as zero).
    public func accumulate(_ gradient: Tensor) throws {
        guard gradient.shape == value.shape else {
            throw FlowError.shapeMismatch(op: "Parameter(\(name)).accumulate", detail: "gradient \(gradient.shape) for parameter \(value.shape)")
        }
        if let grad {
            try device.binary(
                .add, view: AxisView(outer: 1, mid: 1, inner: grad.count), broadcastB: false, a: grad.buffer,
                b: gradient.buffer, c: grad.buffer)
        } else {
            grad = try gradient.copy(to: device)
        }
    }

    public func zeroGrad() { grad = nil }
}

/// Something that owns parameters (a transform, a conditioner network, a base distribution).
public protocol ParameterOwner: AnyObject {
    /// Every parameter, in a fixed order, with names unique within this owner.
    var parameters: [Parameter] { get }
}
