import FlowCore
import FlowKernelDevice

/// The CUDA backend: an NVIDIA GPU through the driver API, running the same kernel sources as the
/// OpenCL backend (compiled by NVRTC). The ops are `KernelDevice`'s, over `CUDARuntime`: one
/// stream per device, the caching allocator, no host synchronisation inside ops, CUBINs cached on
/// disk.
public typealias CUDADevice = KernelDevice<CUDARuntime>

extension KernelDevice where Runtime == CUDARuntime {
    /// Opens a device that discovery found, on its primary context with a stream of its own.
    convenience init(
        _ found: CUDADriver.Found, driver: CUDADriver, nvrtc: NVRTC, binaryCache: ProgramBinaryCache = .standard()
    ) throws {
        try self.init(runtime: CUDARuntime(found, driver: driver, nvrtc: nvrtc), binaryCache: binaryCache)
    }
}
