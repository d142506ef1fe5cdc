/// A float32 tensor: a shape and a buffer on one device. Row-major, batch first: vectors are
/// `[B, D]`, images `[B, C, H, W]`, sequences `[B, C, T]`.
///
/// `Tensor` is a handle: copies share storage, and in-place ops (`adamStep`, `fillRandom`) are
/// visible through every copy. Ops never move data between devices: mixing devices throws.
public struct Tensor: Sendable {
    public let shape: [Int]
    public let buffer: any DeviceBuffer
    public let device: any Device

    /// Wraps an existing buffer; it must hold at least `shape`'s element count.
    public init(shape: [Int], buffer: any DeviceBuffer, device: any Device) throws {
        let checked = try Tensor.checked(shape, op: "Tensor")
        guard buffer.deviceID == ObjectIdentifier(device) else {
            throw FlowError.deviceMismatch(op: "Tensor", detail: "buffer does not belong to \(device.info.selector)")
        }
        let needed = checked.count * MemoryLayout<Float>.stride
        guard buffer.byteCount >= needed else {
            throw FlowError.invalidArgument(
                op: "Tensor", detail: "buffer of \(buffer.byteCount) bytes is too small for shape \(shape)")
        }
        self.shape = shape
        self.buffer = buffer
        self.device = device
    }

    /// Uninitialised storage (reused from the device's cache) for `shape`.
    /// Every constructor (`zeros`, `full`, `random`, uploads, copies) allocates here, so a
    /// negative, overflowing or absurd shape is a `FlowError`, never a trap.
    public static func empty(_ shape: [Int], on device: any Device) throws -> Tensor {
        let checked = try Tensor.checked(shape, op: "Tensor.empty")
        let bytes = max(1, checked.count) * MemoryLayout<Float>.stride
        // More than the device's whole memory cannot succeed; asking anyway would, with Linux's
        // overcommit, "succeed" and get the process killed when the memory is first touched.
        guard device.info.memoryBytes == 0 || UInt64(bytes) <= device.info.memoryBytes else {
            throw FlowError.allocation(device: device.info.selector, bytes: bytes)
        }
        return try Tensor(shape: shape, buffer: device.makeBuffer(bytes: bytes), device: device)
    }

    /// `shape` as a `CheckedShape`, or the reason it is not one as a `FlowError` naming `op`.
    static func checked(_ shape: [Int], op: String) throws -> CheckedShape {
        do {
            return try CheckedShape(shape)
        } catch {
            throw FlowError.invalidArgument(op: op, detail: error.description)
        }
    }

    public static func zeros(_ shape: [Int], on device: any Device) throws -> Tensor {
        try full(shape, value: 0, on: device)
    }

    public static func full(_ shape: [Int], value: Float, on device: any Device) throws -> Tensor {
        let tensor = try empty(shape, on: device)
        try device.fill(tensor.buffer, count: tensor.count, value: value)
        return tensor
    }

    /// Uploads host values; `values.count` must equal the shape's element count.
    public init(_ values: [Float], shape: [Int], on device: any Device) throws {
        let count = try Tensor.checked(shape, op: "Tensor(values:shape:)").count
        guard values.count == count else {
            throw FlowError.shapeMismatch(
                op: "Tensor(values:shape:)", detail: "\(values.count) values for shape \(shape) (\(count) elements)")
        }
        self = try Tensor.empty(shape, on: device)
        try values.withUnsafeBytes { try device.write($0, to: buffer) }
    }

    public var count: Int { shape.reduce(1, *) }
    public var rank: Int { shape.count }

    /// Downloads the values (waits for queued work on this tensor's device).
    public func toArray() throws -> [Float] {
        var values = [Float](repeating: 0, count: count)
        try values.withUnsafeMutableBytes { try device.read(buffer, into: $0) }
        return values
    }

    /// An explicit copy onto `target` (through host memory when the devices differ).
    public func copy(to target: any Device) throws -> Tensor {
        if target === device {
            let result = try Tensor.empty(shape, on: target)
            try device.copy(buffer, sourceOffset: 0, to: result.buffer, destinationOffset: 0, elements: count)
            return result
        }
        return try Tensor(toArray(), shape: shape, on: target)
    }

    /// Copies `count` elements of `source`'s storage from `sourceOffset` into this tensor's storage
    /// at `offset` (row-major positions, whatever the shapes): for algorithms that fill a tensor
    /// row block by row block. Throws when a range falls outside its tensor.
    public func copyElements(from source: Tensor, sourceOffset: Int = 0, offset: Int = 0, count elements: Int) throws {
        try Validate.sameDevice("copyElements", self, source)
        // Compared by subtraction: offsets and counts come from callers and their sum could overflow.
        guard elements >= 0, sourceOffset >= 0, offset >= 0, sourceOffset <= source.count, elements <= source.count - sourceOffset,
            offset <= count, elements <= count - offset
        else {
            throw FlowError.shapeMismatch(
                op: "copyElements",
                detail: "\(elements) elements from offset \(sourceOffset) of \(source.shape) to offset \(offset) of \(shape)")
        }
        try device.copy(source.buffer, sourceOffset: sourceOffset, to: buffer, destinationOffset: offset, elements: elements)
    }

    /// The same storage seen with another shape of the same element count.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        guard try Tensor.checked(newShape, op: "reshape").count == count else {
            throw FlowError.shapeMismatch(op: "reshape", detail: "\(shape) (\(count) elements) to \(newShape)")
        }
        return try Tensor(shape: newShape, buffer: buffer, device: device)
    }
}

/// A tensor of Int32 indices (permutations for `Tensor.gather`), uploaded once and reused.
public struct IndexTensor: Sendable {
    public let values: [Int32]
    public let buffer: any DeviceBuffer
    public let device: any Device

    public init(_ values: [Int32], on device: any Device) throws {
        self.values = values
        self.device = device
        buffer = try device.makeBuffer(bytes: max(1, values.count) * MemoryLayout<Int32>.stride)
        try values.withUnsafeBytes { try device.write($0, to: buffer) }
    }

    public var count: Int { values.count }
}
