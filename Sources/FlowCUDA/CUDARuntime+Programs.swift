import FlowCore
import FlowKernelDevice

/// Programs compiled by NVRTC to a CUBIN for the device's architecture (no PTX JIT at load), or
/// loaded from a CUBIN cached before.
extension CUDARuntime {
    /// `options` are `buildOptions`' (every file's); the file's own contraction switch is added
    /// here from the source, which the program cache's key holds, so a key still names one binary.
    public func compile(name: String, source: String, options: [String]) throws -> (program: CUDAModule, binary: [UInt8]?) {
        let cubin: [UInt8]
        do {
            let fileOptions = options + CUDAKernelSource.contractionOptions(source: source)
            cubin = try nvrtc.compileToCUBIN(source: source, name: "\(name).cl", options: fileOptions).cubin
        } catch let NVRTCError.compilation(_, message, log) {
            throw FlowError.kernelBuild(program: "\(name).cl", device: info.name, log: "NVRTC: \(message)\n\(log)")
        } catch {
            throw FlowError.kernelBuild(program: "\(name).cl", device: info.name, log: "\(error)")
        }
        return (try load(binary: cubin, options: options), cubin)
    }

    public func load(binary: [UInt8], options: [String]) throws -> CUDAModule {
        try makeCurrent()
        return try CUDAModule(image: binary, driver: driver, context: context)
    }

    public func kernelNames(in program: CUDAModule) throws -> [String] {
        try makeCurrent()
        return try program.kernelNames()
    }
}
