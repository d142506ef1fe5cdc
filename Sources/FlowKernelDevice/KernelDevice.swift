import FlowCore
import Foundation

/// A device of a kernel backend: the `Device` ops mapped onto kernel launches of the shared
/// `Kernels/*.cl` sources, written once over a `KernelRuntime` (OpenCL: `OpenCLDevice`, CUDA:
/// `CUDADevice`). The device owns what every kernel backend needs the same way: the tuning
/// values, the caching allocator, the table of built programs and the on-disk binary cache, and
/// the lock that serialises its one in-order queue. Ops only enqueue; `read` and `synchronize`
/// are the only calls that wait.
///
/// A generic class rather than a protocol with default implementations: the state above would
/// otherwise be requirements that each backend declares and exposes again, and the `Device`
/// witnesses of a public backend type would have to be public members of a public protocol's
/// extension anyway. Generic, each backend is still its own type (`device as? OpenCLDevice`
/// tells OpenCL from CUDA), and a backend is only its runtime.
public final class KernelDevice<Runtime: KernelRuntime>: Device, @unchecked Sendable {
    // @unchecked: the runtime, tuning and allocator are immutable references; the mutable state
    // (the program table, the build counts, the queue behind the runtime) is only touched while
    // holding `lock`.
    public var info: DeviceInfo { runtime.info }
    package let runtime: Runtime
    package let tuning: Tuning
    let pool: BlockCache
    let binaryCache: ProgramBinaryCache
    private let lock = NSLock()
    var programs: [String: Runtime.Program] = [:]
    /// How the programs of this device were obtained (compiled from source or loaded from the disk cache).
    package internal(set) var buildCounts = (compiled: 0, loadedFromCache: 0)
    /// Kernels enqueued per kernel name (`KernelLaunchCounting`), counted under `lock`.
    var launchCountByKernel: [String: Int] = [:]
    /// Bound to optional buffer arguments that are absent (kernels check a flag before reading it).
    let placeholder: UInt

    package init(runtime: Runtime, binaryCache: ProgramBinaryCache = .standard()) throws {
        self.runtime = runtime
        self.binaryCache = binaryCache
        tuning = Tuning.forDevice(named: runtime.info.name, maxWorkGroupSize: max(1, runtime.maxWorkGroupSize))
        // The cache keeps at most a quarter of the device's memory (and 8 GiB) in freed blocks.
        pool = BlockCache(limit: Int(min(runtime.info.memoryBytes / 4, 8 << 30))) { [runtime] address in runtime.free(address) }
        guard let placeholder = runtime.allocate(bytes: BlockCache.sizeClass(4)) else {
            throw FlowError.allocation(device: runtime.info.selector, bytes: 4)
        }
        self.placeholder = placeholder
    }

    deinit {
        // Programs before the runtime (the context they belong to) goes.
        programs.removeAll()
        pool.trim()
        runtime.free(placeholder)
    }

    // MARK: Memory

    public func makeBuffer(bytes: Int) throws -> any DeviceBuffer {
        let capacity = BlockCache.sizeClass(max(bytes, 1))
        var address = pool.take(capacity: capacity) ?? runtime.allocate(bytes: capacity)
        if address == nil {
            // Blocks cached for other sizes may be what the device lacks.
            pool.trim()
            address = runtime.allocate(bytes: capacity)
        }
        guard let address else { throw FlowError.allocation(device: info.selector, bytes: bytes) }
        return KernelBuffer<Runtime>(address: address, byteCount: bytes, capacity: capacity, deviceID: ObjectIdentifier(self), pool: pool)
    }

    public func write(_ source: UnsafeRawBufferPointer, to buffer: any DeviceBuffer) throws {
        let target = try buffer.downcast(KernelBuffer<Runtime>.self, op: "write")
        guard source.count <= target.byteCount else {
            throw FlowError.invalidArgument(op: "write", detail: "\(source.count) bytes into a buffer of \(target.byteCount)")
        }
        guard source.count > 0 else { return }
        try withLock { try runtime.write(source, to: target.address) }
    }

    public func read(_ buffer: any DeviceBuffer, into destination: UnsafeMutableRawBufferPointer) throws {
        let source = try buffer.downcast(KernelBuffer<Runtime>.self, op: "read")
        guard destination.count <= source.byteCount else {
            throw FlowError.invalidArgument(op: "read", detail: "\(destination.count) bytes from a buffer of \(source.byteCount)")
        }
        guard destination.count > 0 else { return }
        try withLock { try runtime.read(source.address, into: destination) }
    }

    public func copy(
        _ source: any DeviceBuffer, sourceOffset: Int, to destination: any DeviceBuffer, destinationOffset: Int,
        elements: Int
    ) throws {
        let from = try source.downcast(KernelBuffer<Runtime>.self, op: "copy")
        let to = try destination.downcast(KernelBuffer<Runtime>.self, op: "copy")
        guard elements > 0 else { return }
        try withLock {
            try runtime.copy(from: from.address, offset: sourceOffset * 4, to: to.address, offset: destinationOffset * 4, bytes: elements * 4)
        }
    }

    public func synchronize() throws {
        try withLock { try runtime.synchronize() }
    }

    public var memoryUsage: MemoryUsage { pool.memoryUsage }
    public func resetPeakMemory() { pool.resetPeak() }

    package func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
