import COpenCL
import FlowCore

/// One kernel argument, in the order of the kernel's parameter list.
enum KernelArgument {
    case buffer(any DeviceBuffer)
    /// An optional buffer: when absent the device's placeholder is bound (the kernel checks a flag).
    case optionalBuffer((any DeviceBuffer)?)
    case int(Int)
    case float(Float)
    case uint(UInt32)
}

extension OpenCLDevice {
    /// Enqueues `program.kernel` over `global` work-items (rounded up to multiples of `local`;
    /// kernels bounds-check). Returns without waiting.
    func launch(_ program: String, _ kernel: String, global: [Int], local: [Int], _ arguments: [KernelArgument]) throws {
        guard global.allSatisfy({ $0 > 0 }) else { return }
        let rounded = zip(global, local).map { ($0 + $1 - 1) / $1 * $1 }
        var buffers: [CLBuffer?] = []
        for argument in arguments {
            switch argument {
            case let .buffer(buffer): buffers.append(try buffer.downcast(CLBuffer.self, op: kernel))
            case let .optionalBuffer(buffer): buffers.append(try buffer?.downcast(CLBuffer.self, op: kernel))
            default: buffers.append(nil)
            }
        }
        try withLock {
            let handle = try self.program(program).kernel(kernel)
            for (index, argument) in arguments.enumerated() {
                let slot = cl_uint(index)
                let status: cl_int
                switch argument {
                case .buffer, .optionalBuffer:
                    var mem: cl_mem? = (buffers[index] ?? placeholderBuffer).mem
                    status = clSetKernelArg(handle, slot, MemoryLayout<cl_mem?>.size, &mem)
                case let .int(value):
                    var v = cl_int(truncatingIfNeeded: value)
                    status = clSetKernelArg(handle, slot, MemoryLayout<cl_int>.size, &v)
                case let .float(value):
                    var v = value
                    status = clSetKernelArg(handle, slot, MemoryLayout<Float>.size, &v)
                case let .uint(value):
                    var v = value
                    status = clSetKernelArg(handle, slot, MemoryLayout<cl_uint>.size, &v)
                }
                try clCheck(status, "clSetKernelArg(\(kernel), \(index))")
            }
            try clCheck(
                clEnqueueNDRangeKernel(queue, handle, cl_uint(global.count), nil, rounded, local, 0, nil, nil),
                "clEnqueueNDRangeKernel(\(kernel), global \(rounded), local \(local))")
        }
    }

    /// 1-D launch of an elementwise kernel over `count` items.
    func launchElementwise(_ program: String, _ kernel: String, count: Int, _ arguments: [KernelArgument]) throws {
        try launch(program, kernel, global: [count], local: [tuning.elementwiseGroupSize], arguments)
    }

    /// Launch of a reduction kernel: one work-group per output, sized to the work per output.
    func launchReduction(_ program: String, _ kernel: String, groups: Int, workPerGroup: Int, _ arguments: [KernelArgument]) throws {
        var local = 1
        while local < workPerGroup && local < tuning.reductionGroupSize { local *= 2 }
        try launch(program, kernel, global: [groups * local], local: [local], arguments)
    }
}
