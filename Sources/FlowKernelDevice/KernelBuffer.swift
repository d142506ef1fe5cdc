import FlowCore

/// A block of a kernel device's memory (a `cl_mem`, a `CUdeviceptr`), by its raw address;
/// returned to the device's cache on release. Generic over the runtime only so that a buffer of
/// one backend is a different type from another's, and handing it to the wrong backend is caught.
package final class KernelBuffer<Runtime: KernelRuntime>: DeviceBuffer, @unchecked Sendable {
    // @unchecked: every stored property is immutable, and all commands on the block go through its
    // device's single, lock-guarded queue.
    package let address: UInt
    package let byteCount: Int
    let capacity: Int
    package let deviceID: ObjectIdentifier
    private let pool: BlockCache

    init(address: UInt, byteCount: Int, capacity: Int, deviceID: ObjectIdentifier, pool: BlockCache) {
        self.address = address
        self.byteCount = byteCount
        self.capacity = capacity
        self.deviceID = deviceID
        self.pool = pool
        pool.checkOut(capacity: capacity)
    }

    // A freed buffer may still be read by queued kernels; reusing it is safe because the device's
    // queue is in order, so later commands that write it run after those reads.
    deinit { pool.recycle(address, capacity: capacity) }
}
