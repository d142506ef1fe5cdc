import COpenCL
import FlowCore
import FlowKernelDevice

/// OpenCL as a `KernelRuntime`: one device's context and in-order command queue, `cl_mem`
/// buffers, programs built by the driver (their binaries are what the program cache keeps), and
/// `clEnqueueNDRangeKernel`. `KernelDevice` serialises the calls.
public final class OpenCLRuntime: KernelRuntime, @unchecked Sendable {
    // @unchecked: the handles are immutable after init; the queue and the kernels' arguments are
    // only used under the device's lock, and clReleaseMemObject (in `free`) is thread-safe.
    public typealias Program = CLProgram

    /// The format of every OpenCL cache entry since the cache existed: old entries stay valid.
    public static let binaryFormat = "flowkit-cl-1"

    public let info: DeviceInfo
    public let maxWorkGroupSize: Int
    let device: cl_device_id
    let context: cl_context
    /// Package access for the bench's CLBlast yardstick, which enqueues on the same queue.
    package let queue: cl_command_queue

    init(_ found: CLPlatform.Found) throws {
        info = found.info
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
        maxWorkGroupSize = Int(CLPlatform.value(found.device, cl_device_info(CL_DEVICE_MAX_WORK_GROUP_SIZE), as: Int.self))
    }

    deinit {
        clReleaseCommandQueue(queue)
        clReleaseContext(context)
    }

    /// The driver builds the binary; its version is in the key (as it was before there was a runtime).
    public var compilerIdentity: String { info.driver }

    /// The tuning values, and nothing else: OpenCL C needs no dialect options.
    public func buildOptions(defines: [String]) -> [String] { defines }

    // MARK: Memory

    public func allocate(bytes: Int) -> UInt? {
        var status: cl_int = 0
        let mem = clCreateBuffer(context, cl_mem_flags(CL_MEM_READ_WRITE), bytes, nil, &status)
        guard let mem, status == CL_SUCCESS else { return nil }
        return UInt(bitPattern: mem)
    }

    public func free(_ address: UInt) {
        if let mem = OpaquePointer(bitPattern: address) { clReleaseMemObject(mem) }
    }

    public func write(_ source: UnsafeRawBufferPointer, to address: UInt) throws {
        // Blocking, so the caller may free or reuse its host memory as soon as this returns.
        try clCheck(
            clEnqueueWriteBuffer(queue, OpaquePointer(bitPattern: address), cl_bool(CL_TRUE), 0, source.count, source.baseAddress, 0, nil, nil),
            "clEnqueueWriteBuffer")
    }

    public func read(_ address: UInt, into destination: UnsafeMutableRawBufferPointer) throws {
        try clCheck(
            clEnqueueReadBuffer(
                queue, OpaquePointer(bitPattern: address), cl_bool(CL_TRUE), 0, destination.count, destination.baseAddress, 0, nil, nil),
            "clEnqueueReadBuffer")
    }

    public func copy(from source: UInt, offset sourceOffset: Int, to destination: UInt, offset destinationOffset: Int, bytes: Int) throws {
        try clCheck(
            clEnqueueCopyBuffer(
                queue, OpaquePointer(bitPattern: source), OpaquePointer(bitPattern: destination), sourceOffset, destinationOffset, bytes,
                0, nil, nil),
            "clEnqueueCopyBuffer")
    }

    public func synchronize() throws {
        try clCheck(clFinish(queue), "clFinish")
    }

    // MARK: Launches

    public func launch(_ kernel: String, in program: CLProgram, global: [Int], local: [Int], arguments: [LaunchArgument]) throws {
        let handle = try program.kernel(kernel)
        for (index, argument) in arguments.enumerated() {
            let slot = cl_uint(index)
            let status: cl_int
            switch argument {
            case let .buffer(address):
                // A cl_mem argument is the handle itself, whose bits the address holds.
                var mem = OpaquePointer(bitPattern: address)
                status = clSetKernelArg(handle, slot, MemoryLayout<cl_mem?>.size, &mem)
            case let .int(value):
                var v = cl_int(value)
                status = clSetKernelArg(handle, slot, MemoryLayout<cl_int>.size, &v)
            case let .float(value):
                var v = value
                status = clSetKernelArg(handle, slot, MemoryLayout<Float>.size, &v)
            case let .uint(value):
                var v = cl_uint(value)
                status = clSetKernelArg(handle, slot, MemoryLayout<cl_uint>.size, &v)
            }
            try clCheck(status, "clSetKernelArg(\(kernel), \(index))")
        }
        try clCheck(
            clEnqueueNDRangeKernel(queue, handle, cl_uint(global.count), nil, global, local, 0, nil, nil),
            "clEnqueueNDRangeKernel(\(kernel), global \(global), local \(local))")
    }
}
