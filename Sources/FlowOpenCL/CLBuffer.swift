import COpenCL
import FlowCore

/// A `cl_mem` owned by an `OpenCLDevice`; returned to the device's cache on release.
final class CLBuffer: DeviceBuffer, @unchecked Sendable {
    // @unchecked: the handle is immutable; OpenCL objects are thread-safe to reference, and all
    // commands on it go through the device's single, lock-guarded queue.
    let mem: cl_mem
    let byteCount: Int
    let capacity: Int
    let deviceID: ObjectIdentifier
    private let pool: BlockCache

    init(mem: cl_mem, byteCount: Int, capacity: Int, deviceID: ObjectIdentifier, pool: BlockCache) {
        self.mem = mem
        self.byteCount = byteCount
        self.capacity = capacity
        self.deviceID = deviceID
        self.pool = pool
        pool.checkOut(capacity: capacity)
    }

    // A freed buffer may still be read by queued kernels; reusing it is safe because the device's
    // queue is in order, so later commands that write it run after those reads.
    deinit { pool.recycle(UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(mem))), capacity: capacity) }
}
