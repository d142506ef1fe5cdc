import FlowRuntime

/// A learnable tensor and the gradient accumulated into it by `backward` passes.
///
/// Gradients accumulate (a parameter used twice receives the sum) until `zeroGrad`. Parameters are
/// named with dotted paths (`coupling3.net.layer0.weight`) so checkpoints can be read by other tools.
public final class Parameter: @unchecked Sendable {
    // @unchecked: like the Tensors it holds, a Parameter is used by one training loop at a time.
    public let name: String
    /// Assigning a new value counts as a modification (see `version`).
    public var value: Tensor { didSet { version &+= 1 } }
    public private(set) var grad: Tensor?
    /// Changes whenever the value may have changed: on assignment and on `markModified()`, which
    /// whoever updates `value`'s storage in place (the optimizer) must call. Layers key caches of
    /// derived tensors (MADE's degree-ordered weights) on it.
    public private(set) var version: UInt64 = 0

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

    /// `accumulate` for a gradient nobody else holds (a product's fresh output): the first one
    /// becomes the accumulated gradient without a copy, which saves a pass over every weight per
    /// step. The caller must not use `gradient`, or any tensor sharing its storage, afterwards.
    public func accumulate(taking gradient: Tensor) throws {
        guard grad == nil else { return try accumulate(gradient) }
        guard gradient.shape == value.shape else { return try accumulate(gradient) }
        grad = gradient
    }

    public func zeroGrad() { grad = nil }

    /// Records an in-place update of `value`'s storage, so caches derived from it are rebuilt.
    public func markModified() { version &+= 1 }
}

/// Something that owns parameters (a transform, a conditioner network, a base distribution).
public protocol ParameterOwner: AnyObject {
    /// Every parameter, in a fixed order, with names unique within this owner.
    var parameters: [Parameter] { get }
}
