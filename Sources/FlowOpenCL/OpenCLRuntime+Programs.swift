import COpenCL
import FlowCore
import FlowKernelDevice

/// Programs built by the OpenCL driver from source, or from a binary it returned before.
extension OpenCLRuntime {
    public func compile(name: String, source: String, options: [String]) throws -> (program: CLProgram, binary: [UInt8]?) {
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
        status = clBuildProgram(handle, 1, &deviceHandle, options.joined(separator: " "), nil, nil)
        guard status == CL_SUCCESS else {
            throw FlowError.kernelBuild(program: "\(name).cl", device: info.name, log: buildLog(handle))
        }
        return (program, programBinary(handle))
    }

    public func load(binary: [UInt8], options: [String]) throws -> CLProgram {
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
        try clCheck(clBuildProgram(handle, 1, &deviceHandle, options.joined(separator: " "), nil, nil), "clBuildProgram(binary)")
        return program
    }

    public func kernelNames(in program: CLProgram) throws -> [String] {
        try program.kernelNames()
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
