/// The buffers of one tensor of a grouped Adam update (`Tensor.adamSteps`): `count` elements of
/// the parameter, its gradient and its two moments.
public struct AdamBuffers {
    public var count: Int
    public var param: any DeviceBuffer
    public var grad: any DeviceBuffer
    public var m: any DeviceBuffer
    public var v: any DeviceBuffer

    public init(count: Int, param: any DeviceBuffer, grad: any DeviceBuffer, m: any DeviceBuffer, v: any DeviceBuffer) {
        (self.count, self.param, self.grad, self.m, self.v) = (count, param, grad, m, v)
    }
}

/// An optional capability: a device that updates many parameter tensors as one op instead of one
/// `adamStep` each. A model has dozens of small parameter tensors (an 8-coupling RealNVP: 48, most of 128 or 256
/// values); on a GPU each update is a launch, on a CPU a hand-off or a serial loop. Each
/// element's arithmetic is exactly `adamStep`'s, so the results are bit-identical to updating the
/// tensors one by one (the fallback, which defines the op).
public protocol AdamGroupCapable: Device {
    func adamStepGroup(_ hyper: AdamHyper, _ group: [AdamBuffers]) throws
}
