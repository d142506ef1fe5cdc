import FlowCore

/// A kernel device's bits follow from its kernels' compiler (driver, NVRTC) and the options they
/// are built with (the tuning values, among them the work-group size every reduction is cut by).
extension KernelDevice: NumericsDescribing {
    public var numericsFingerprint: NumericsFingerprint {
        NumericsFingerprint(
            deviceKind: info.kind.rawValue, deviceName: info.name, kernelCompiler: runtime.compilerIdentity,
            tuning: runtime.buildOptions(defines: tuning.defines), reductionScheme: "kernel-1")
    }
}
