/// Untyped storage owned by one device. Backends return their own concrete class; the memory goes
/// back to the device's caching allocator when the last reference disappears, so a training step
/// that allocates the same sizes every iteration stops touching the system allocator after warm-up.
public protocol DeviceBuffer: AnyObject, Sendable {
    /// Size in bytes that the caller asked for (the allocation may be larger).
    var byteCount: Int { get }
    /// Identity of the device that owns the buffer.
    var deviceID: ObjectIdentifier { get }
}

extension DeviceBuffer {
    /// The backend's concrete buffer type, or an error naming the op if the buffer belongs to
    /// another backend. The Tensor layer checks devices first, so this only fires on misuse of the
    /// raw `Device` API.
    package func downcast<B: DeviceBuffer>(_ type: B.Type, op: String) throws -> B {
        guard let buffer = self as? B else {
            throw FlowError.deviceMismatch(op: op, detail: "buffer of type \(Swift.type(of: self)) given to a \(B.self) device")
        }
        return buffer
    }
}
