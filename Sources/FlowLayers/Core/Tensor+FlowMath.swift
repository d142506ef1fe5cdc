import FlowRuntime

/// Small compositions of runtime ops that the transforms share.
extension Tensor {
    public func adding(_ other: Tensor) throws -> Tensor { try applying(.add, other) }
    public func subtracting(_ other: Tensor) throws -> Tensor { try applying(.subtract, other) }
    public func multiplying(_ other: Tensor) throws -> Tensor { try applying(.multiply, other) }
    public func scaled(by factor: Float) throws -> Tensor { try unary(.scale(factor)) }

    /// `scale · x + shift`, elementwise with scalars.
    public func affine(scale: Float, shift: Float) throws -> Tensor {
        let scaled = try unary(.scale(scale))
        guard shift != 0 else { return scaled }
        return try scaled.adding(Tensor.full(shape, value: shift, on: device))
    }

    /// Zeros with this tensor's shape and device.
    public func zerosLike() throws -> Tensor { try Tensor.zeros(shape, on: device) }

    /// The batch size (first dimension).
    public var batch: Int { shape.first ?? 0 }

    /// `[B, rest…]` flattened to `[B, n]`.
    public func flattenedBatch() throws -> Tensor { try reshaped([batch, batch == 0 ? 0 : count / batch]) }

    /// Adds `other` into this tensor's storage (both of one shape).
    public func accumulate(_ other: Tensor) throws {
        guard other.shape == shape else {
            throw FlowError.shapeMismatch(op: "accumulate", detail: "\(other.shape) into \(shape)")
        }
        try device.binary(.add, view: AxisView(outer: 1, mid: 1, inner: count), broadcastB: false, a: buffer, b: other.buffer, c: buffer)
    }
}

/// Sum of optional tensors (for context gradients gathered from several layers).
func addOptional(_ a: Tensor?, _ b: Tensor?) throws -> Tensor? {
    guard let a else { return b }
    guard let b else { return a }
    return try a.adding(b)
}
