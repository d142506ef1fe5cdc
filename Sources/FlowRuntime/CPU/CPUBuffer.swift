import Foundation
import Synchronization

/// Host memory owned by `CPUDevice`. 64-byte aligned so SIMD loads never straddle cache lines.
final class CPUBuffer: DeviceBuffer, @unchecked Sendable {
    // @unchecked: the pointer is only dereferenced by device ops; Tensors that share a buffer are
    // ordered by their caller exactly as on a GPU queue.
    let pointer: UnsafeMutableRawPointer
    let byteCount: Int
    let capacity: Int
    let deviceID: ObjectIdentifier
    private let pool: CPUBufferPool

    init(pointer: UnsafeMutableRawPointer, byteCount: Int, capacity: Int, deviceID: ObjectIdentifier, pool: CPUBufferPool) {
        self.pointer = pointer
        self.byteCount = byteCount
        self.capacity = capacity
        self.deviceID = deviceID
        self.pool = pool
    }

    deinit { pool.recycle(pointer, capacity: capacity) }

    var floats: UnsafeMutablePointer<Float> { pointer.assumingMemoryBound(to: Float.self) }
    var ints: UnsafeMutablePointer<Int32> { pointer.assumingMemoryBound(to: Int32.self) }
}

/// A caching allocator: freed blocks are kept by size class and handed out again, so steady-state
/// training allocates nothing. Size classes waste at most 1/8 of a block.
final class CPUBufferPool: Sendable {
    private let cached = Mutex<(blocks: [Int: [UInt]], bytes: Int)>(([:], 0))
    /// Above this many cached bytes, freed blocks go back to the system.
    private let limit: Int

    init(limit: Int) { self.limit = limit }

    static func sizeClass(_ bytes: Int) -> Int {
        if bytes <= 4096 { return max(256, (bytes + 255) / 256 * 256) }
        let step = (1 << (Int.bitWidth - 1 - bytes.leadingZeroBitCount)) / 8
        return (bytes + step - 1) / step * step
    }

    func take(capacity: Int) -> UnsafeMutableRawPointer? {
        let address = cached.withLock { state -> UInt? in
            guard let address = state.blocks[capacity]?.popLast() else { return nil }
            state.bytes -= capacity
            return address
        }
        return address.flatMap { UnsafeMutableRawPointer(bitPattern: $0) }
    }

    func recycle(_ pointer: UnsafeMutableRawPointer, capacity: Int) {
        let kept = cached.withLock { state -> Bool in
            guard state.bytes + capacity <= limit else { return false }
            state.blocks[capacity, default: []].append(UInt(bitPattern: pointer))
            state.bytes += capacity
            return true
        }
        if !kept { free(pointer) }
    }

    /// Returns every cached block to the system (after an allocation failure).
    func trim() {
        let addresses = cached.withLock { state -> [UInt] in
            let all = state.blocks.values.flatMap { $0 }
            state = ([:], 0)
            return all
        }
        for address in addresses { free(UnsafeMutableRawPointer(bitPattern: address)) }
    }
}
