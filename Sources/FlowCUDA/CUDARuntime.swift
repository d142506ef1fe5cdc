import FlowCore
import FlowKernelDevice

/// CUDA as a `KernelRuntime`: one device's primary context and one stream, memory from
/// `cuMemAlloc`, the kernel files compiled by NVRTC to CUBIN for the device's own architecture
/// and loaded as modules, and `cuLaunchKernel`. `KernelDevice` serialises the calls; the context
/// is made current on the calling thread at the start of each, since any thread may call.
public final class CUDARuntime: KernelRuntime, @unchecked Sendable {
    // @unchecked: the handles are immutable after init; the stream is only used under the device's
    // lock, and `free` uses only thread-safe driver calls.
    public typealias Program = CUDAModule

    public static let binaryFormat = "flowkit-cuda-1"

    public let info: DeviceInfo
    public let maxWorkGroupSize: Int
    let driver: CUDADriver
    let nvrtc: NVRTC
    /// `sm_XY` of the device: NVRTC compiles for exactly this real architecture.
    let architecture: String
    let context: OpaquePointer
    private let ordinal: Int32
    private let stream: OpaquePointer

    init(_ found: CUDADriver.Found, driver: CUDADriver, nvrtc: NVRTC) throws {
        info = found.info
        maxWorkGroupSize = found.maxThreadsPerBlock
        architecture = found.architecture
        ordinal = found.ordinal
        self.driver = driver
        self.nvrtc = nvrtc
        var context: OpaquePointer?
        // The primary context: the one the CUDA runtime (and so PyTorch) would use too.
        try driver.check(driver.api.primaryCtxRetain(&context, found.ordinal), "cuDevicePrimaryCtxRetain(\(found.info.selector))")
        guard let context else {
            throw FlowError.cuda(call: "cuDevicePrimaryCtxRetain(\(found.info.selector))", code: 0, name: "CUDA_SUCCESS", message: "no context returned")
        }
        self.context = context
        var stream: OpaquePointer?
        do {
            try driver.check(driver.api.ctxSetCurrent(context), "cuCtxSetCurrent")
            // Non-blocking: no implicit ordering with work other libraries put on the legacy default stream.
            try driver.check(driver.api.streamCreate(&stream, Self.streamNonBlocking), "cuStreamCreate")
        } catch {
            _ = driver.api.primaryCtxRelease(found.ordinal)
            throw error
        }
        guard let stream else {
            _ = driver.api.primaryCtxRelease(found.ordinal)
            throw FlowError.cuda(call: "cuStreamCreate", code: 0, name: "CUDA_SUCCESS", message: "no stream returned")
        }
        self.stream = stream
    }

    deinit {
        _ = driver.api.ctxSetCurrent(context)
        _ = driver.api.streamDestroy(stream)
        _ = driver.api.primaryCtxRelease(ordinal)
    }

    /// CU_STREAM_NON_BLOCKING (cuda.h).
    private static let streamNonBlocking: UInt32 = 1

    /// A CUBIN depends on the driver only through its loader, but on NVRTC's version entirely.
    public var compilerIdentity: String { "\(info.driver), NVRTC \(nvrtc.version.major).\(nvrtc.version.minor)" }

    public func buildOptions(defines: [String]) -> [String] {
        CUDAKernelSource.options(architecture: architecture, defines: defines)
    }

    /// Makes the device's context current on the calling thread (a cheap call; any thread may be
    /// the caller, and driver calls act on the current context).
    package func makeCurrent() throws {
        try driver.check(driver.api.ctxSetCurrent(context), "cuCtxSetCurrent(\(info.selector))")
    }

    /// The stream every launch and copy is queued on, as a bit pattern (NCCL's calls join it).
    package var streamHandle: UInt { UInt(bitPattern: Int(bitPattern: stream)) }

    // MARK: Memory

    public func allocate(bytes: Int) -> UInt? {
        var address: UInt64 = 0
        guard (try? makeCurrent()) != nil, driver.api.memAlloc(&address, bytes) == 0, address != 0 else { return nil }
        return UInt(address)
    }

    public func free(_ address: UInt) {
        guard (try? makeCurrent()) != nil else { return }
        // Queued kernels may still use the block (the cache hands blocks back while they are
        // queued): let them finish before the memory goes back to the driver.
        _ = driver.api.streamSynchronize(stream)
        _ = driver.api.memFree(UInt64(address))
    }

    public func write(_ source: UnsafeRawBufferPointer, to address: UInt) throws {
        try makeCurrent()
        try driver.check(driver.api.memcpyHtoDAsync(UInt64(address), source.baseAddress, source.count, stream), "cuMemcpyHtoDAsync_v2")
        // The caller may reuse its host memory when this returns.
        try driver.check(driver.api.streamSynchronize(stream), "cuStreamSynchronize (after cuMemcpyHtoDAsync_v2)")
    }

    public func read(_ address: UInt, into destination: UnsafeMutableRawBufferPointer) throws {
        try makeCurrent()
        try driver.check(
            driver.api.memcpyDtoHAsync(destination.baseAddress, UInt64(address), destination.count, stream), "cuMemcpyDtoHAsync_v2")
        try driver.check(driver.api.streamSynchronize(stream), "cuStreamSynchronize (after cuMemcpyDtoHAsync_v2)")
    }

    public func copy(from source: UInt, offset sourceOffset: Int, to destination: UInt, offset destinationOffset: Int, bytes: Int) throws {
        try makeCurrent()
        try driver.check(
            driver.api.memcpyDtoDAsync(UInt64(destination) + UInt64(destinationOffset), UInt64(source) + UInt64(sourceOffset), bytes, stream),
            "cuMemcpyDtoDAsync_v2")
    }

    public func synchronize() throws {
        try makeCurrent()
        try driver.check(driver.api.streamSynchronize(stream), "cuStreamSynchronize")
    }

    // MARK: Launches

    public func launch(_ kernel: String, in program: CUDAModule, global: [Int], local: [Int], arguments: [LaunchArgument]) throws {
        let shape = try CUDALaunchShape(kernel: kernel, global: global, local: local)
        try makeCurrent()
        let loaded = try program.kernel(kernel)
        // Before anything is queued: a mismatched list would make cuLaunchKernel read past it.
        try loaded.parameters?.check(kernel: kernel, arguments: arguments)
        var values = CUDALaunchShape.parameterValues(arguments)
        let status = values.withUnsafeMutableBytes { storage -> Int32 in
            // cuLaunchKernel reads each parameter through its own pointer, as many bytes as the
            // kernel's parameter has: each value sits in the first bytes of its 8-byte slot.
            var pointers: [UnsafeMutableRawPointer?] = (0..<arguments.count).map { storage.baseAddress?.advanced(by: $0 * 8) }
            return pointers.withUnsafeMutableBufferPointer { parameters in
                driver.api.launchKernel(
                    loaded.function, shape.grid.x, shape.grid.y, shape.grid.z, shape.block.x, shape.block.y, shape.block.z, 0, stream,
                    parameters.baseAddress, nil)
            }
        }
        try driver.check(status, "cuLaunchKernel(\(kernel), grid \(shape.grid), block \(shape.block))")
    }
}
