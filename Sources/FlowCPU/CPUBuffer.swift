import FlowCore
import Foundation

/// Host memory owned by `CPUDevice`. 64-byte aligned so SIMD loads never straddle cache lines.
final class CPUBuffer: DeviceBuffer, @unchecked Sendable {
    // @unchecked: the pointer is only dereferenced by device ops; Tensors that share a buffer are
    // ordered by their caller exactly as on a GPU queue.
    let pointer: UnsafeMutableRawPointer
    let byteCount: Int
    let capacity: Int
    let deviceID: ObjectIdentifier
    private let pool: BlockCache

    init(pointer: UnsafeMutableRawPointer, byteCount: Int, capacity: Int, deviceID: ObjectIdentifier, pool: BlockCache) {
        self.pointer = pointer
        self.byteCount = byteCount
        self.capacity = capacity
        self.deviceID = deviceID
        self.pool = pool
        pool.checkOut(capacity: capacity)
    }

    deinit { pool.recycle(UInt(bitPattern: pointer), capacity: capacity) }

    var floats: UnsafeMutablePointer<Float> { pointer.assumingMemoryBound(to: Float.self) }
    var ints: UnsafeMutablePointer<Int32> { pointer.assumingMemoryBound(to: Int32.self) }
}
