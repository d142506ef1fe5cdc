import FlowCore

extension KernelDevice: KernelLaunchCounting {
    public var kernelLaunches: Int { withLock { launchCountByKernel.values.reduce(0, +) } }
    public var kernelLaunchesByKernel: [String: Int] { withLock { launchCountByKernel } }
}

extension KernelDevice {
    /// Enqueues `program.kernel` over `global` work-items (rounded up to multiples of `local`;
    /// kernels bounds-check). Returns without waiting.
    func launch(_ program: String, _ kernel: String, global: [Int], local: [Int], _ arguments: [KernelArgument]) throws {
        guard global.allSatisfy({ $0 > 0 }) else { return }
        // The kernels index with 32-bit ints: a size beyond them is refused, not wrapped around.
        let (items, overflow) = global.reduce((1, false)) { total, size in
            let product = total.0.multipliedReportingOverflow(by: size)
            return (product.partialValue, total.1 || product.overflow)
        }
        guard !overflow, items <= Int(Int32.max) else {
            throw FlowError.invalidArgument(op: kernel, detail: "\(global) work-items exceed the kernels' 32-bit indices")
        }
        let rounded = zip(global, local).map { ($0 + $1 - 1) / $1 * $1 }
        let resolved = try arguments.map { argument -> LaunchArgument in
            switch argument {
            case let .buffer(buffer): return .buffer(try buffer.downcast(KernelBuffer<Runtime>.self, op: kernel).address)
            case let .optionalBuffer(buffer): return .buffer(try buffer?.downcast(KernelBuffer<Runtime>.self, op: kernel).address ?? placeholder)
            case let .int(value):
                guard let narrow = Int32(exactly: value) else {
                    throw FlowError.invalidArgument(op: kernel, detail: "argument \(value) exceeds the kernels' 32-bit indices")
                }
                return .int(narrow)
            case let .float(value): return .float(value)
            case let .uint(value): return .uint(value)
            }
        }
        try withLock {
            try runtime.launch(kernel, in: self.program(program), global: rounded, local: local, arguments: resolved)
            launchCountByKernel[kernel, default: 0] += 1
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
