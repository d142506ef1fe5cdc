import FlowCore
import FlowKernels

/// The kernel files as programs: each `Kernels/*.cl` is built once per device (lazily, with
/// `common.cl` prepended and the tuning values as options), and its binary cached on disk so that
/// a second start loads it instead of compiling.
extension KernelDevice {
    /// Builds every kernel file (a check that all of them compile on this device).
    public func buildAllKernels() throws {
        for name in KernelSources.programNames { _ = try withLock { try program(name) } }
    }

    /// Builds `source` (with `common.cl` prepended) without caching it; throws
    /// `FlowError.kernelBuild` with the compiler's log when it does not compile.
    public func buildProgram(name: String, source: String) throws {
        _ = try compile(name: name, source: KernelSources.programSource(name: name, body: source), useCache: false)
    }

    /// The names of the kernels in kernel file `name`, as the compiler found them (building the
    /// program first if it is not built yet; `flowkit check` reports them).
    public func kernelNames(inProgram name: String) throws -> [String] {
        try withLock { try runtime.kernelNames(in: program(name)) }
    }

    /// The built program for a kernel file; callers hold the lock.
    func program(_ name: String) throws -> Runtime.Program {
        if let program = programs[name] { return program }
        let source: String
        do {
            source = try KernelSources.programSource(named: name)
        } catch {
            throw FlowError.kernelSource(detail: "\(error)")
        }
        let program = try compile(name: name, source: source, useCache: true)
        programs[name] = program
        return program
    }

    private func compile(name: String, source: String, useCache: Bool) throws -> Runtime.Program {
        let options = runtime.buildOptions(defines: tuning.defines)
        let key = ProgramBinaryCache.key(
            format: Runtime.binaryFormat, device: info.name, driver: runtime.compilerIdentity,
            options: options.joined(separator: " "), source: source)
        // A cached binary the runtime refuses (another driver build, a damaged file) is compiled anew.
        if useCache, let binary = binaryCache.load(program: name, key: key), let program = try? runtime.load(binary: binary, options: options) {
            buildCounts.loadedFromCache += 1
            return program
        }
        let (program, binary) = try runtime.compile(name: name, source: source, options: options)
        if useCache, let binary { binaryCache.store(program: name, key: key, binary: binary) }
        buildCounts.compiled += 1
        return program
    }
}
