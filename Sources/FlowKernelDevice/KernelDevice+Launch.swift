import FlowCore

extension KernelDevice: KernelLaunchCounting {
    public var kernelLaunches: Int { withLock { launchCount } }
}

extension KernelDevice {
    /// Enqueues `program.kernel` over `global` work-items (rounded up to multiples of `local`;
    /// kernels bounds-check). Returns without waiting.
    func launch(_ program: String, _ kernel: String, global: [Int], local: [Int], _ arguments: [KernelArgument]) throws {
        guard global.allSatisfy({ $0 > 0 }) else { return }
        let rounded = zip(global, local).map { ($0 + $1 - 1) / $1 * $1 }
        let resolved = try arguments.map { argument -> LaunchArgument in
            switch argument {
            case let .buffer(buffer): return .buffer(try buffer.downcast(KernelBuffer<Runtime>.self, op: kernel).address)
            case let .optionalBuffer(buffer): return .buffer(try buffer?.downcast(KernelBuffer<Runtime>.self, op: kernel).address ?? placeholder)
            case let .int(value): return .int(Int32(truncatingIfNeeded: value))
            case let .float(value): return .float(value)
            case let .uint(value): return .uint(value)
            }
        }
        try withLock {
            try runtime.launch(kernel, in: self.program(program), global: rounded, local: local, arguments: resolved)
            launchCount += 1
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
