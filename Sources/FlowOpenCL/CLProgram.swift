import COpenCL
import FlowCore

/// A built program and its kernels, created lazily by name and kept for the device's lifetime.
/// Public only as `OpenCLRuntime`'s program type; its members are the runtime's.
public final class CLProgram {
    let program: cl_program
    private var kernels: [String: cl_kernel] = [:]

    init(program: cl_program) { self.program = program }

    deinit {
        for kernel in kernels.values { clReleaseKernel(kernel) }
        clReleaseProgram(program)
    }

    /// The names of the program's kernels (CL_PROGRAM_KERNEL_NAMES, OpenCL 1.2).
    func kernelNames() throws -> [String] {
        let parameter = cl_program_info(CL_PROGRAM_KERNEL_NAMES)
        var size = 0
        try clCheck(clGetProgramInfo(program, parameter, 0, nil, &size), "clGetProgramInfo(CL_PROGRAM_KERNEL_NAMES)")
        var bytes = [CChar](repeating: 0, count: max(size, 1))
        try clCheck(clGetProgramInfo(program, parameter, bytes.count, &bytes, nil), "clGetProgramInfo(CL_PROGRAM_KERNEL_NAMES)")
        let list = String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return list.split(separator: ";").map(String.init)
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
