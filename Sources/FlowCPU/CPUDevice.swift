import CBLAS
import FlowCore
import Foundation

/// The CPU backend: a fast implementation of every op, not a reference. Matrix products go to
/// OpenBLAS's `sgemm`; convolutions are im2col + one `sgemm` over the whole batch; everything
/// else is threaded over the cores (`Parallel`) with loops the compiler vectorises.
///
/// Ops run synchronously on the calling thread (plus workers), so `synchronize` has nothing to wait for.
public final class CPUDevice: Device {
    public let info: DeviceInfo
    let pool: BlockCache

    public init() {
        // Our threads split the products (see `WorkerPool`); OpenBLAS's own would compete with them.
        openblas_set_num_threads(1)
        let memory = ProcessInfo.processInfo.physicalMemory
        pool = BlockCache(limit: Int(min(memory / 4, 8 << 30))) { address in
            free(UnsafeMutableRawPointer(bitPattern: address))
        }
        info = DeviceInfo(
            kind: .cpu, index: 0, name: CPUDevice.processorName(), vendor: CPUDevice.processorVendor(),
            driver: "OpenBLAS \(BLASCore.current) kernels, \(CPUThreads.count) threads", memoryBytes: memory,
            computeUnits: CPUThreads.count, hardware: .cpu)
    }

    // MARK: Memory

    public func makeBuffer(bytes: Int) throws -> any DeviceBuffer {
        let capacity = BlockCache.sizeClass(max(bytes, 1))
        if let pointer = pool.take(capacity: capacity).flatMap({ UnsafeMutableRawPointer(bitPattern: $0) }) {
            return CPUBuffer(pointer: pointer, byteCount: bytes, capacity: capacity, deviceID: ObjectIdentifier(self), pool: pool)
        }
        var raw: UnsafeMutableRawPointer?
        if posix_memalign(&raw, 64, capacity) != 0 {
            pool.trim()
            guard posix_memalign(&raw, 64, capacity) == 0 else { throw FlowError.allocation(device: "cpu", bytes: bytes) }
        }
        guard let pointer = raw else { throw FlowError.allocation(device: "cpu", bytes: bytes) }
        return CPUBuffer(pointer: pointer, byteCount: bytes, capacity: capacity, deviceID: ObjectIdentifier(self), pool: pool)
    }

    public func write(_ source: UnsafeRawBufferPointer, to buffer: any DeviceBuffer) throws {
        let target = try buffer.downcast(CPUBuffer.self, op: "write")
        guard source.count <= target.byteCount else {
            throw FlowError.invalidArgument(op: "write", detail: "\(source.count) bytes into a buffer of \(target.byteCount)")
        }
        if let base = source.baseAddress { target.pointer.copyMemory(from: base, byteCount: source.count) }
    }

    public func read(_ buffer: any DeviceBuffer, into destination: UnsafeMutableRawBufferPointer) throws {
        let source = try buffer.downcast(CPUBuffer.self, op: "read")
        guard destination.count <= source.byteCount else {
            throw FlowError.invalidArgument(op: "read", detail: "\(destination.count) bytes from a buffer of \(source.byteCount)")
        }
        if let base = destination.baseAddress { base.copyMemory(from: source.pointer, byteCount: destination.count) }
    }

    public func copy(
        _ source: any DeviceBuffer, sourceOffset: Int, to destination: any DeviceBuffer, destinationOffset: Int,
        elements: Int
    ) throws {
        let from = try source.downcast(CPUBuffer.self, op: "copy")
        let to = try destination.downcast(CPUBuffer.self, op: "copy")
        (to.floats + destinationOffset).update(from: from.floats + sourceOffset, count: elements)
    }

    public func synchronize() throws {}

    public var memoryUsage: MemoryUsage { pool.memoryUsage }
    public func resetPeakMemory() { pool.resetPeak() }

    // MARK: Description

    private static func cpuInfoField(_ key: String) -> String? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            if let colon = line.firstIndex(of: ":") {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    private static func processorName() -> String { cpuInfoField("model name") ?? "CPU" }
    private static func processorVendor() -> String { cpuInfoField("vendor_id") ?? "unknown" }
}

extension CPUDevice {
    /// The backend's view of a buffer as floats, or an error naming the op for a foreign buffer.
    @inline(__always)
    func floats(_ buffer: any DeviceBuffer, _ op: String) throws -> UnsafeMutablePointer<Float> {
        try buffer.downcast(CPUBuffer.self, op: op).floats
    }
}
