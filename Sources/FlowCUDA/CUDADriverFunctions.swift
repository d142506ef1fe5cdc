import FlowKernelDevice

/// The CUDA driver entry points flowkit calls, resolved from an opened `libcuda.so.1`. The types
/// are the C signatures of `cuda.h` (CUDA 12, the `_v2` entry points where the plain names are
/// macros for them): `CUresult` and `CUdevice` are C ints (`Int32`), `CUcontext`, `CUstream`,
/// `CUmodule` and `CUfunction` opaque pointers, `CUdeviceptr` an unsigned 64-bit integer and
/// `size_t` is `Int`. A mistake here is undefined behaviour that no compiler catches, so the table
/// holds only what `CUDARuntime` and `CUDADriver` need.
struct CUDADriverFunctions {
    typealias Status = @convention(c) (UInt32) -> Int32
    typealias GetInt = @convention(c) (UnsafeMutablePointer<Int32>?) -> Int32
    typealias DeviceGet = @convention(c) (UnsafeMutablePointer<Int32>?, Int32) -> Int32
    typealias DeviceGetName = @convention(c) (UnsafeMutablePointer<CChar>?, Int32, Int32) -> Int32
    typealias DeviceTotalMem = @convention(c) (UnsafeMutablePointer<Int>?, Int32) -> Int32
    typealias DeviceGetAttribute = @convention(c) (UnsafeMutablePointer<Int32>?, Int32, Int32) -> Int32
    typealias PrimaryCtxRetain = @convention(c) (UnsafeMutablePointer<OpaquePointer?>?, Int32) -> Int32
    typealias PrimaryCtxRelease = @convention(c) (Int32) -> Int32
    typealias CtxSetCurrent = @convention(c) (OpaquePointer?) -> Int32
    typealias StreamCreate = @convention(c) (UnsafeMutablePointer<OpaquePointer?>?, UInt32) -> Int32
    typealias StreamCall = @convention(c) (OpaquePointer?) -> Int32
    typealias MemAlloc = @convention(c) (UnsafeMutablePointer<UInt64>?, Int) -> Int32
    typealias MemFree = @convention(c) (UInt64) -> Int32
    typealias MemcpyHtoDAsync = @convention(c) (UInt64, UnsafeRawPointer?, Int, OpaquePointer?) -> Int32
    typealias MemcpyDtoHAsync = @convention(c) (UnsafeMutableRawPointer?, UInt64, Int, OpaquePointer?) -> Int32
    typealias MemcpyDtoDAsync = @convention(c) (UInt64, UInt64, Int, OpaquePointer?) -> Int32
    typealias ModuleLoadData = @convention(c) (UnsafeMutablePointer<OpaquePointer?>?, UnsafeRawPointer?) -> Int32
    typealias ModuleUnload = @convention(c) (OpaquePointer?) -> Int32
    typealias ModuleGetFunction = @convention(c) (UnsafeMutablePointer<OpaquePointer?>?, OpaquePointer?, UnsafePointer<CChar>?) -> Int32
    typealias ModuleGetFunctionCount = @convention(c) (UnsafeMutablePointer<UInt32>?, OpaquePointer?) -> Int32
    typealias ModuleEnumerateFunctions = @convention(c) (UnsafeMutablePointer<OpaquePointer?>?, UInt32, OpaquePointer?) -> Int32
    typealias FuncGetName = @convention(c) (UnsafeMutablePointer<UnsafePointer<CChar>?>?, OpaquePointer?) -> Int32
    typealias LaunchKernel =
        @convention(c) (
            OpaquePointer?, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, OpaquePointer?,
            UnsafeMutablePointer<UnsafeMutableRawPointer?>?, UnsafeMutablePointer<UnsafeMutableRawPointer?>?
        ) -> Int32
    typealias GetErrorText = @convention(c) (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> Int32
    /// cuFuncGetParamInfo(CUfunction, size_t paramIndex, size_t* paramOffset, size_t* paramSize).
    typealias FuncGetParamInfo = @convention(c) (OpaquePointer?, Int, UnsafeMutablePointer<Int>?, UnsafeMutablePointer<Int>?) -> Int32

    let initialize: Status
    let driverGetVersion: GetInt
    let deviceGetCount: GetInt
    let deviceGet: DeviceGet
    let deviceGetName: DeviceGetName
    let deviceTotalMem: DeviceTotalMem
    let deviceGetAttribute: DeviceGetAttribute
    let primaryCtxRetain: PrimaryCtxRetain
    let primaryCtxRelease: PrimaryCtxRelease
    let ctxSetCurrent: CtxSetCurrent
    let streamCreate: StreamCreate
    let streamDestroy: StreamCall
    let streamSynchronize: StreamCall
    let memAlloc: MemAlloc
    let memFree: MemFree
    let memcpyHtoDAsync: MemcpyHtoDAsync
    let memcpyDtoHAsync: MemcpyDtoHAsync
    let memcpyDtoDAsync: MemcpyDtoDAsync
    let moduleLoadData: ModuleLoadData
    let moduleUnload: ModuleUnload
    let moduleGetFunction: ModuleGetFunction
    let launchKernel: LaunchKernel
    let getErrorName: GetErrorText
    let getErrorString: GetErrorText
    /// Listing a module's kernels (CUDA 12.4 and later drivers only): nil on an older driver,
    /// where only `flowkit check`'s kernel-name rows need them.
    let moduleGetFunctionCount: ModuleGetFunctionCount?
    let moduleEnumerateFunctions: ModuleEnumerateFunctions?
    let funcGetName: FuncGetName?
    /// A kernel's parameter offsets and sizes (CUDA 12.4 and later drivers): nil on an older
    /// driver, whose launches then go without the parameter check (`CUDAKernelParameters`).
    let funcGetParamInfo: FuncGetParamInfo?

    /// Resolves every entry point, or throws naming the first one the library lacks.
    init(_ library: DynamicLibrary) throws {
        initialize = try library.function("cuInit", as: Status.self)
        driverGetVersion = try library.function("cuDriverGetVersion", as: GetInt.self)
        deviceGetCount = try library.function("cuDeviceGetCount", as: GetInt.self)
        deviceGet = try library.function("cuDeviceGet", as: DeviceGet.self)
        deviceGetName = try library.function("cuDeviceGetName", as: DeviceGetName.self)
        deviceTotalMem = try library.function("cuDeviceTotalMem_v2", as: DeviceTotalMem.self)
        deviceGetAttribute = try library.function("cuDeviceGetAttribute", as: DeviceGetAttribute.self)
        primaryCtxRetain = try library.function("cuDevicePrimaryCtxRetain", as: PrimaryCtxRetain.self)
        primaryCtxRelease = try library.function("cuDevicePrimaryCtxRelease_v2", as: PrimaryCtxRelease.self)
        ctxSetCurrent = try library.function("cuCtxSetCurrent", as: CtxSetCurrent.self)
        streamCreate = try library.function("cuStreamCreate", as: StreamCreate.self)
        streamDestroy = try library.function("cuStreamDestroy_v2", as: StreamCall.self)
        streamSynchronize = try library.function("cuStreamSynchronize", as: StreamCall.self)
        memAlloc = try library.function("cuMemAlloc_v2", as: MemAlloc.self)
        memFree = try library.function("cuMemFree_v2", as: MemFree.self)
        memcpyHtoDAsync = try library.function("cuMemcpyHtoDAsync_v2", as: MemcpyHtoDAsync.self)
        memcpyDtoHAsync = try library.function("cuMemcpyDtoHAsync_v2", as: MemcpyDtoHAsync.self)
        memcpyDtoDAsync = try library.function("cuMemcpyDtoDAsync_v2", as: MemcpyDtoDAsync.self)
        moduleLoadData = try library.function("cuModuleLoadData", as: ModuleLoadData.self)
        moduleUnload = try library.function("cuModuleUnload", as: ModuleUnload.self)
        moduleGetFunction = try library.function("cuModuleGetFunction", as: ModuleGetFunction.self)
        launchKernel = try library.function("cuLaunchKernel", as: LaunchKernel.self)
        getErrorName = try library.function("cuGetErrorName", as: GetErrorText.self)
        getErrorString = try library.function("cuGetErrorString", as: GetErrorText.self)
        moduleGetFunctionCount = try? library.function("cuModuleGetFunctionCount", as: ModuleGetFunctionCount.self)
        moduleEnumerateFunctions = try? library.function("cuModuleEnumerateFunctions", as: ModuleEnumerateFunctions.self)
        funcGetName = try? library.function("cuFuncGetName", as: FuncGetName.self)
        funcGetParamInfo = try? library.function("cuFuncGetParamInfo", as: FuncGetParamInfo.self)
    }
}
