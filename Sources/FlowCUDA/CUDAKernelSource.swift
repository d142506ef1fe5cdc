import FlowCore
import FlowKernelDevice
import FlowKernels

/// A kernel file as CUDA C++ for NVRTC. The source is the very text the OpenCL backend builds
/// (`KernelSources.programSource`; `common.cl` selects the dialect), and the options are those
/// that make it mean in CUDA what it means in OpenCL.
public enum CUDAKernelSource {
    /// The source of kernel file `<name>.cl`, as NVRTC compiles it.
    public static func source(named name: String) throws -> String {
        try KernelSources.programSource(named: name)
    }

    /// NVRTC options for a kernel file: the target, the tuning values as -D definitions (the same
    /// ones the OpenCL backend passes), and no contraction into fused multiply-adds. NVRTC has no
    /// in-source switch like OpenCL's FP_CONTRACT pragma, so contraction is off for every file
    /// (in OpenCL only random.cl and spline.cl ask for it); the language standard is pinned so a
    /// newer NVRTC's default cannot change what the source means.
    static func options(architecture: String, tuning: Tuning = Tuning()) -> [String] {
        options(architecture: architecture, defines: tuning.defines)
    }

    /// The same, from the tuning values' `-D` definitions (as `KernelRuntime.buildOptions` gets them).
    static func options(architecture: String, defines: [String]) -> [String] {
        ["--gpu-architecture=\(architecture)", "--std=c++17", "--fmad=false"] + defines
    }

    /// Compiles kernel file `<name>.cl` to PTX for `architecture` (e.g. `compute_90`); the
    /// result carries NVRTC's log, so callers can insist that a build is free of warnings.
    static func compile(
        named name: String, architecture: String, with nvrtc: NVRTC, tuning: Tuning = Tuning()
    ) throws -> (ptx: String, log: String) {
        try nvrtc.compile(source: source(named: name), name: "\(name).cl", options: options(architecture: architecture, tuning: tuning))
    }

    /// `compile` with the default tuning, for callers outside the runtime (`flowkit check`).
    public static func compileWithDefaultTuning(named name: String, architecture: String, with nvrtc: NVRTC) throws -> (ptx: String, log: String) {
        try compile(named: name, architecture: architecture, with: nvrtc)
    }
}
