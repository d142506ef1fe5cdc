import COpenCL

/// A built program and its kernels, created lazily by name and kept for the device's lifetime.
final class CLProgram {
    let program: cl_program
    private var kernels: [String: cl_kernel] = [:]

    init(program: cl_program) { self.program = program }

    deinit {
        for kernel in kernels.values { clReleaseKernel(kernel) }
        clReleaseProgram(program)
    }

    /// The kernel object for `name`; callers hold the device lock (kernel arguments are shared state).
    func kernel(_ name: String) throws -> cl_kernel {
        if let kernel = kernels[name] { return kernel }
        var status: cl_int = 0
        guard let kernel = clCreateKernel(program, name, &status), status == CL_SUCCESS else {
            throw FlowError.openCL(call: "clCreateKernel(\(name))", code: status, name: clErrorName(status))
        }
        kernels[name] = kernel
        return kernel
    }
}
