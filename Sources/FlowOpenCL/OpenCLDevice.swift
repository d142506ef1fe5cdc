import FlowCore
import FlowKernelDevice

/// The OpenCL backend: any OpenCL 1.2+ device through the ICD loader (PoCL in tests and CI,
/// NVIDIA/AMD/Intel GPUs on real hosts). The ops are `KernelDevice`'s, over `OpenCLRuntime`: one
/// in-order command queue per device, programs built once per process (one per `Kernels/*.cl`
/// file, lazily) with their binaries cached on disk.
public typealias OpenCLDevice = KernelDevice<OpenCLRuntime>

extension KernelDevice where Runtime == OpenCLRuntime {
    /// Opens a device that discovery found, with its own context and queue.
    convenience init(_ found: CLPlatform.Found, binaryCache: ProgramBinaryCache = .standard()) throws {
        try self.init(runtime: OpenCLRuntime(found), binaryCache: binaryCache)
    }
}
