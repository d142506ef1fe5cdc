import FlowCore
import FlowKernelDevice
import FlowKernels
import Foundation

/// A kernel file as CUDA C++ for NVRTC. The source is the very text the OpenCL backend builds
/// (`KernelSources.programSource`; `common.cl` selects the dialect), and the options are those
/// that make it mean in CUDA what it means in OpenCL.
public enum CUDAKernelSource {
    /// The source of kernel file `<name>.cl`, as NVRTC compiles it.
    public static func source(named name: String) throws -> String {
        try KernelSources.programSource(named: name)
    }

    /// NVRTC options for a kernel file: the target, the tuning values as -D definitions (the same
    /// ones the OpenCL backend passes), `--fmad=false` when the file asks for no contraction (see
    /// `forbidsContraction`); the language standard is pinned so a newer NVRTC's default cannot
    /// change what the source means.
    static func options(architecture: String, source: String, tuning: Tuning = Tuning()) -> [String] {
        options(architecture: architecture, defines: tuning.defines) + contractionOptions(source: source)
    }

    /// The options every file gets, from the tuning values' `-D` definitions (as
    /// `KernelRuntime.buildOptions` gets them): everything but the per-file contraction switch.
    static func options(architecture: String, defines: [String]) -> [String] {
        ["--gpu-architecture=\(architecture)", "--std=c++17"] + defines
    }

    /// `--fmad=false` for a file that forbids contraction, nothing otherwise. NVRTC contracts
    /// `a * b + c` into fused multiply-adds by default, as OpenCL C does (FP_CONTRACT ON), and has
    /// no in-source switch like OpenCL's pragma, so the file's own request becomes this option:
    /// each file then rounds the same way in both dialects, and the gemm and convolutions keep
    /// their FMAs (without them a gemm's inner loop is twice the instructions).
    static func contractionOptions(source: String) -> [String] {
        forbidsContraction(source) ? ["--fmad=false"] : []
    }

    /// Whether `source` (a kernel file, or `common.cl` followed by one) holds a line that is
    /// `FP_CONTRACT_OFF` (`common.cl`'s macro for OpenCL's `#pragma OPENCL FP_CONTRACT OFF`;
    /// random, spline, adam and mixture use it, for results that are bit-identical across devices
    /// or across kernels). `common.cl` itself only defines the macro, which does not count.
    static func forbidsContraction(_ source: String) -> Bool {
        source.split(separator: "\n", omittingEmptySubsequences: true).contains { line in
            let code = line.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first ?? line[...]
            return code.trimmingCharacters(in: .whitespaces) == "FP_CONTRACT_OFF"
        }
    }

    /// Compiles kernel file `<name>.cl` to PTX for `architecture` (e.g. `compute_90`); the
    /// result carries NVRTC's log, so callers can insist that a build is free of warnings.
    static func compile(
        named name: String, architecture: String, with nvrtc: NVRTC, tuning: Tuning = Tuning()
    ) throws -> (ptx: String, log: String) {
        let source = try source(named: name)
        return try nvrtc.compile(source: source, name: "\(name).cl", options: options(architecture: architecture, source: source, tuning: tuning))
    }

    /// `compile` with the default tuning, for callers outside the runtime (`flowkit check`).
    public static func compileWithDefaultTuning(named name: String, architecture: String, with nvrtc: NVRTC) throws -> (ptx: String, log: String) {
        try compile(named: name, architecture: architecture, with: nvrtc)
    }
}
