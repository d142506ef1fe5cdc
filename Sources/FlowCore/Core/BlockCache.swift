import Synchronization

/// The caching allocator shared by the backends: freed blocks are kept by size class and handed
/// out again, so steady-state training allocates nothing. Blocks are stored as raw addresses
/// (host pointers or `cl_mem` handles); the backend says how to free one for good.
package final class BlockCache: Sendable {
    private let cached = Mutex<(blocks: [Int: [UInt]], bytes: Int)>(([:], 0))
    /// Bytes held by live buffers now, and the most held at once since the last reset.
    private let usage = Mutex<MemoryUsage>(MemoryUsage(liveBytes: 0, peakBytes: 0))
    /// Above this many cached bytes, freed blocks go back to the system.
    private let limit: Int
    private let release: @Sendable (UInt) -> Void

    package init(limit: Int, release: @escaping @Sendable (UInt) -> Void) {
        self.limit = limit
        self.release = release
    }

    /// Size classes waste at most 1/8 of a block: multiples of 256 bytes up to 4 KiB, then eight
    /// steps per power of two.
    package static func sizeClass(_ bytes: Int) -> Int {
        if bytes <= 4096 { return max(256, (bytes + 255) / 256 * 256) }
        let step = (1 << (Int.bitWidth - 1 - bytes.leadingZeroBitCount)) / 8
        return (bytes + step - 1) / step * step
    }

    package func take(capacity: Int) -> UInt? {
        cached.withLock { state -> UInt? in
            guard let address = state.blocks[capacity]?.popLast() else { return nil }
            state.bytes -= capacity
            return address
        }
    }

    /// Records that a block of `capacity` bytes now backs a live buffer.
    package func checkOut(capacity: Int) {
        usage.withLock { state in
            state.liveBytes += capacity
            state.peakBytes = max(state.peakBytes, state.liveBytes)
        }
    }

    package var memoryUsage: MemoryUsage { usage.withLock { $0 } }

    package func resetPeak() { usage.withLock { $0.peakBytes = $0.liveBytes } }

    package func recycle(_ address: UInt, capacity: Int) {
        usage.withLock { $0.liveBytes -= capacity }
        let kept = cached.withLock { state -> Bool in
            guard state.bytes + capacity <= limit else { return false }
            state.blocks[capacity, default: []].append(address)
            state.bytes += capacity
            return true
        }
        if !kept { release(address) }
    }

    /// Frees every cached block (after an allocation failure, or when the device goes away).
    package func trim() {
        let addresses = cached.withLock { state -> [UInt] in
            let all = state.blocks.values.flatMap { $0 }
            state = ([:], 0)
            return all
        }
        for address in addresses { release(address) }
    }
}

/// Device memory held by live buffers (tensors, scratch), not counting the allocator's cache.
public struct MemoryUsage: Sendable, Equatable {
    public var liveBytes: Int
    public var peakBytes: Int
}
