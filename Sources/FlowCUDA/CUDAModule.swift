import FlowCore

/// A loaded CUBIN (one kernel file) and its kernels, looked up lazily by name and kept for the
/// device's lifetime. Public only as `CUDARuntime`'s program type; its members are the runtime's.
public final class CUDAModule {
    private let module: OpaquePointer
    private let driver: CUDADriver
    private let context: OpaquePointer
    private var kernels: [String: Kernel] = [:]

    /// A kernel of the module and its parameter list (nil where the driver cannot report it).
    struct Kernel {
        let function: OpaquePointer
        let parameters: CUDAKernelParameters?
    }

    /// Loads `image` into the current context (the caller made it current).
    init(image: [UInt8], driver: CUDADriver, context: OpaquePointer) throws {
        var module: OpaquePointer?
        try driver.check(image.withUnsafeBytes { driver.api.moduleLoadData(&module, $0.baseAddress) }, "cuModuleLoadData")
        guard let module else {
            throw FlowError.cuda(call: "cuModuleLoadData", code: 0, name: "CUDA_SUCCESS", message: "no module returned")
        }
        self.module = module
        self.driver = driver
        self.context = context
    }

    deinit {
        // The device may go away on any thread.
        _ = driver.api.ctxSetCurrent(context)
        _ = driver.api.moduleUnload(module)
    }

    /// The kernel `name`, looked up (and its parameters read) on first use; callers hold the
    /// device lock and made its context current.
    func kernel(_ name: String) throws -> Kernel {
        if let kernel = kernels[name] { return kernel }
        var function: OpaquePointer?
        try driver.check(name.withCString { driver.api.moduleGetFunction(&function, module, $0) }, "cuModuleGetFunction(\(name))")
        guard let function else {
            throw FlowError.cuda(call: "cuModuleGetFunction(\(name))", code: 0, name: "CUDA_SUCCESS", message: "no function returned")
        }
        let parameters = driver.api.funcGetParamInfo.flatMap { info in
            CUDAKernelParameters.read { index in
                var offset = 0
                var size = 0
                let status = info(function, index, &offset, &size)
                return (status, size)
            }
        }
        let kernel = Kernel(function: function, parameters: parameters)
        kernels[name] = kernel
        return kernel
    }

    /// The names of the module's kernels, through the listing calls of CUDA 12.4 drivers.
    func kernelNames() throws -> [String] {
        guard let count = driver.api.moduleGetFunctionCount, let enumerate = driver.api.moduleEnumerateFunctions,
            let getName = driver.api.funcGetName
        else {
            throw FlowError.cuda(
                call: "cuModuleEnumerateFunctions", code: 801, name: "CUDA_ERROR_NOT_SUPPORTED",
                message: "the driver (CUDA \(driver.version.major).\(driver.version.minor)) cannot list a module's kernels; CUDA 12.4 can")
        }
        var total: UInt32 = 0
        try driver.check(count(&total, module), "cuModuleGetFunctionCount")
        var handles = [OpaquePointer?](repeating: nil, count: Int(total))
        try driver.check(enumerate(&handles, total, module), "cuModuleEnumerateFunctions")
        return try handles.compactMap { handle in
            var name: UnsafePointer<CChar>?
            try driver.check(getName(&name, handle), "cuFuncGetName")
            return name.map { String(cString: $0) }
        }.sorted()
    }
}
