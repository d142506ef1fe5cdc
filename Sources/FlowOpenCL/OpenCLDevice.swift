import COpenCL
import FlowCore
import FlowKernelDevice
import FlowKernels
import Foundation

/// The OpenCL backend: any OpenCL 1.2+ device through the ICD loader (PoCL in tests and CI,
/// NVIDIA/AMD/Intel GPUs on real hosts).
///
/// One in-order command queue per device. Ops only enqueue kernels; `read` and `synchronize` are
/// the only calls that wait. Programs are built once per process (one per `Kernels/*.cl` file,
/// lazily) and their binaries are cached on disk (`ProgramBinaryCache`).
public final class OpenCLDevice: Device, @unchecked Sendable {
    // @unchecked: the OpenCL handles are immutable after init; the mutable state (program table,
    // kernel arguments, the queue) is only touched while holding `lock`.
    public let info: DeviceInfo
    let device: cl_device_id
    let context: cl_context
    let queue: cl_command_queue
    let tuning: Tuning
    let pool: BlockCache
    private let lock = NSLock()
    private var programs: [String: CLProgram] = [:]
    private let binaryCache: ProgramBinaryCache
    /// How the programs of this device were obtained (compiled from source or loaded from the disk cache).
    private(set) var buildCounts = (compiled: 0, loadedFromCache: 0)
    /// Bound to optional buffer arguments that are absent (kernels check a flag before reading it).
    var placeholderBuffer: CLBuffer!

    init(_ found: CLPlatform.Found, binaryCache: ProgramBinaryCache = .standard()) throws {
        info = found.info
        self.binaryCache = binaryCache
        device = found.device
        var status: cl_int = 0
        var deviceHandle: cl_device_id? = found.device
        guard let context = clCreateContext(nil, 1, &deviceHandle, nil, nil, &status), status == CL_SUCCESS else {
            throw FlowError.openCL(call: "clCreateContext(\(found.info.name))", code: status, name: clErrorName(status))
        }
        self.context = context
        guard let queue = clCreateCommandQueue(context, found.device, 0, &status), status == CL_SUCCESS else {
            clReleaseContext(context)
            throw FlowError.openCL(call: "clCreateCommandQueue(\(found.info.name))", code: status, name: clErrorName(status))
        }
        self.queue = queue
        let maxGroup = Int(CLPlatform.value(found.device, cl_device_info(CL_DEVICE_MAX_WORK_GROUP_SIZE), as: Int.self))
        tuning = Tuning.forDevice(named: found.info.name, maxWorkGroupSize: max(1, maxGroup))
        pool = BlockCache(limit: Int(min(found.info.memoryBytes / 4, 8 << 30))) { address in
            if let mem = OpaquePointer(bitPattern: address) { clReleaseMemObject(mem) }
        }
        placeholderBuffer = try makeBuffer(bytes: 4).downcast(CLBuffer.self, op: "OpenCLDevice")
    }

    deinit {
        placeholderBuffer = nil
        programs.removeAll()
        pool.trim()
        clReleaseCommandQueue(queue)
        clReleaseContext(context)
    }

    // MARK: Memory

    public func makeBuffer(bytes: Int) throws -> any DeviceBuffer {
        let capacity = BlockCache.sizeClass(max(bytes, 1))
        if let mem = pool.take(capacity: capacity).flatMap({ OpaquePointer(bitPattern: $0) }) {
            return CLBuffer(mem: mem, byteCount: bytes, capacity: capacity, deviceID: ObjectIdentifier(self), pool: pool)
        }
        var status: cl_int = 0
        var mem = clCreateBuffer(context, cl_mem_flags(CL_MEM_READ_WRITE), capacity, nil, &status)
        if mem == nil || status != CL_SUCCESS {
            pool.trim()
            mem = clCreateBuffer(context, cl_mem_flags(CL_MEM_READ_WRITE), capacity, nil, &status)
        }
        guard let mem, status == CL_SUCCESS else { throw FlowError.allocation(device: info.selector, bytes: bytes) }
        return CLBuffer(mem: mem, byteCount: bytes, capacity: capacity, deviceID: ObjectIdentifier(self), pool: pool)
    }

    public func write(_ source: UnsafeRawBufferPointer, to buffer: any DeviceBuffer) throws {
        let target = try buffer.downcast(CLBuffer.self, op: "write")
        guard source.count <= target.byteCount else {
            throw FlowError.invalidArgument(op: "write", detail: "\(source.count) bytes into a buffer of \(target.byteCount)")
        }
        guard let base = source.baseAddress, source.count > 0 else { return }
        // Blocking, so the caller may free or reuse its host memory as soon as this returns.
        try withLock {
            try clCheck(clEnqueueWriteBuffer(queue, target.mem, cl_bool(CL_TRUE), 0, source.count, base, 0, nil, nil), "clEnqueueWriteBuffer")
        }
    }

    public func read(_ buffer: any DeviceBuffer, into destination: UnsafeMutableRawBufferPointer) throws {
        let source = try buffer.downcast(CLBuffer.self, op: "read")
        guard destination.count <= source.byteCount else {
            throw FlowError.invalidArgument(op: "read", detail: "\(destination.count) bytes from a buffer of \(source.byteCount)")
        }
        guard let base = destination.baseAddress, destination.count > 0 else { return }
        try withLock {
            try clCheck(clEnqueueReadBuffer(queue, source.mem, cl_bool(CL_TRUE), 0, destination.count, base, 0, nil, nil), "clEnqueueReadBuffer")
        }
    }

    public func copy(
        _ source: any DeviceBuffer, sourceOffset: Int, to destination: any DeviceBuffer, destinationOffset: Int,
        elements: Int
    ) throws {
        let from = try source.downcast(CLBuffer.self, op: "copy")
        let to = try destination.downcast(CLBuffer.self, op: "copy")
        guard elements > 0 else { return }
        try withLock {
            try clCheck(
                clEnqueueCopyBuffer(queue, from.mem, to.mem, sourceOffset * 4, destinationOffset * 4, elements * 4, 0, nil, nil),
                "clEnqueueCopyBuffer")
        }
    }

    public func synchronize() throws {
        try withLock { try clCheck(clFinish(queue), "clFinish") }
    }

    public var memoryUsage: MemoryUsage { pool.memoryUsage }
    public func resetPeakMemory() { pool.resetPeak() }

    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    // MARK: Programs

    /// Builds every kernel file (a check that all of them compile on this device).
    public func buildAllKernels() throws {
        for name in KernelSources.programNames { _ = try withLock { try program(name) } }
    }

    /// Builds `source` (with `common.cl` prepended) without caching it; throws
    /// `FlowError.kernelBuild` with the driver's build log when it does not compile.
    public func buildProgram(name: String, source: String) throws {
        _ = try compile(name: name, source: KernelSources.programSource(name: name, body: source), useCache: false)
    }

    /// The names of the kernels in kernel file `name`, as the OpenCL compiler found them (building
    /// the program first if it is not built yet; `flowkit check` reports them).
    public func kernelNames(inProgram name: String) throws -> [String] {
        try withLock { try program(name).kernelNames() }
    }

    /// The built program for a kernel file; callers hold the lock.
    func program(_ name: String) throws -> CLProgram {
        if let program = programs[name] { return program }
        let source: String
        do {
            source = try KernelSources.programSource(named: name)
        } catch {
            throw FlowError.kernelSource(detail: "\(error)")
        }
        let program = try compile(name: name, source: source, useCache: true)
        programs[name] = program
        return program
    }

    private func compile(name: String, source: String, useCache: Bool) throws -> CLProgram {
        let options = tuning.buildOptions
        let key = ProgramBinaryCache.key(device: info.name, driver: info.driver, options: options, source: source)
        if useCache, let binary = binaryCache.load(program: name, key: key), let program = try? fromBinary(binary, options: options) {
            buildCounts.loadedFromCache += 1
            return program
        }
        var status: cl_int = 0
        let created = source.withCString { text -> cl_program? in
            var pointer: UnsafePointer<CChar>? = text
            return clCreateProgramWithSource(context, 1, &pointer, nil, &status)
        }
        guard let handle = created, status == CL_SUCCESS else {
            throw FlowError.openCL(call: "clCreateProgramWithSource(\(name))", code: status, name: clErrorName(status))
        }
        let program = CLProgram(program: handle)
        var deviceHandle: cl_device_id? = device
        status = clBuildProgram(handle, 1, &deviceHandle, options, nil, nil)
        guard status == CL_SUCCESS else {
            throw FlowError.kernelBuild(program: "\(name).cl", device: info.name, log: buildLog(handle))
        }
        if useCache, let binary = programBinary(handle) { binaryCache.store(program: name, key: key, binary: binary) }
        buildCounts.compiled += 1
        return program
    }

    private func fromBinary(_ binary: [UInt8], options: String) throws -> CLProgram {
        var status: cl_int = 0
        var binaryStatus: cl_int = 0
        var deviceHandle: cl_device_id? = device
        var length = binary.count
        let created = binary.withUnsafeBufferPointer { bytes -> cl_program? in
            var pointer: UnsafePointer<UInt8>? = bytes.baseAddress
            return clCreateProgramWithBinary(context, 1, &deviceHandle, &length, &pointer, &binaryStatus, &status)
        }
        guard let handle = created, status == CL_SUCCESS, binaryStatus == CL_SUCCESS else {
            throw FlowError.openCL(call: "clCreateProgramWithBinary", code: status, name: clErrorName(status))
        }
        let program = CLProgram(program: handle)
        try clCheck(clBuildProgram(handle, 1, &deviceHandle, options, nil, nil), "clBuildProgram(binary)")
        return program
    }

    private func buildLog(_ program: cl_program) -> String {
        var size = 0
        let parameter = cl_program_build_info(CL_PROGRAM_BUILD_LOG)
        guard clGetProgramBuildInfo(program, device, parameter, 0, nil, &size) == CL_SUCCESS, size > 0 else {
            return "(the driver returned no build log)"
        }
        var bytes = [CChar](repeating: 0, count: size)
        _ = clGetProgramBuildInfo(program, device, parameter, size, &bytes, nil)
        let log = String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return log.isEmpty ? "(the driver returned an empty build log)" : log
    }

    private func programBinary(_ program: cl_program) -> [UInt8]? {
        var size = 0
        guard clGetProgramInfo(program, cl_program_info(CL_PROGRAM_BINARY_SIZES), MemoryLayout<Int>.size, &size, nil) == CL_SUCCESS,
            size > 0
        else { return nil }
        var binary = [UInt8](repeating: 0, count: size)
        let status = binary.withUnsafeMutableBufferPointer { bytes -> cl_int in
            var pointer: UnsafeMutablePointer<UInt8>? = bytes.baseAddress
            return clGetProgramInfo(
                program, cl_program_info(CL_PROGRAM_BINARIES), MemoryLayout<UnsafeMutablePointer<UInt8>?>.size, &pointer, nil)
        }
        return status == CL_SUCCESS ? binary : nil
    }
}
