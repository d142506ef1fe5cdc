import COpenCL
import Synchronization

/// A `cl_mem` owned by an `OpenCLDevice`; returned to the device's cache on release.
final class CLBuffer: DeviceBuffer, @unchecked Sendable {
    // @unchecked: the handle is immutable; OpenCL objects are thread-safe to reference, and all
    // commands on it go through the device's single, lock-guarded queue.
    let mem: cl_mem
    let byteCount: Int
    let capacity: Int
    let deviceID: ObjectIdentifier
    private let pool: CLBufferPool

    init(mem: cl_mem, byteCount: Int, capacity: Int, deviceID: ObjectIdentifier, pool: CLBufferPool) {
        self.mem = mem
        self.byteCount = byteCount
        self.capacity = capacity
        self.deviceID = deviceID
        self.pool = pool
    }

    deinit { pool.recycle(mem, capacity: capacity) }
}

/// Caching allocator for device memory, by size class (see `CPUBufferPool.sizeClass`). A freed
/// buffer may still be read by queued kernels; reusing it is safe because the device's queue is
/// in order, so later commands that write it run after those reads.
final class CLBufferPool: Sendable {
    private let cached = Mutex<(blocks: [Int: [UInt]], bytes: Int)>(([:], 0))
    private let limit: Int

    init(limit: Int) { self.limit = limit }

    func take(capacity: Int) -> cl_mem? {
        let address = cached.withLock { state -> UInt? in
            guard let address = state.blocks[capacity]?.popLast() else { return nil }
            state.bytes -= capacity
            return address
        }
        return address.flatMap { OpaquePointer(bitPattern: $0) }
    }

    func recycle(_ mem: cl_mem, capacity: Int) {
        let kept = cached.withLock { state -> Bool in
            guard state.bytes + capacity <= limit else { return false }
            state.blocks[capacity, default: []].append(UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(mem))))
            state.bytes += capacity
            return true
        }
        if !kept { clReleaseMemObject(mem) }
    }

    /// Releases every cached buffer (after an allocation failure).
    func trim() {
        let addresses = cached.withLock { state -> [UInt] in
            let all = state.blocks.values.flatMap { $0 }
            state = ([:], 0)
            return all
        }
        for address in addresses {
            if let mem = OpaquePointer(bitPattern: address) { clReleaseMemObject(mem) }
        }
    }
}
