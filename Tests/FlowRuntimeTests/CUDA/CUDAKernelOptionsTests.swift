import FlowKernelDevice
import FlowKernels
import Testing

@testable import FlowCUDA

/// Which kernel files NVRTC compiles without contraction: exactly those that ask for it with
/// FP_CONTRACT_OFF (as OpenCL does per file), so the others keep their fused multiply-adds.
@Suite struct CUDAKernelOptionsTests {
    /// The files that promise FP_CONTRACT OFF rounding (Kernels/*.cl with a line FP_CONTRACT_OFF).
    static let noContraction: Set<String> = ["random", "spline", "adam", "mixture"]

    @Test(arguments: KernelSources.programNames)
    func onlyTheFilesThatAskGetFmadFalse(_ name: String) throws {
        let source = try CUDAKernelSource.source(named: name)
        let options = CUDAKernelSource.options(architecture: "sm_90", source: source)
        #expect(options.contains("--fmad=false") == Self.noContraction.contains(name), "\(name).cl: \(options)")
        #expect(options.starts(with: ["--gpu-architecture=sm_90", "--std=c++17"]))
        #expect(options.filter { $0 == "--fmad=false" }.count <= 1)
    }

    /// `common.cl` defines the macro (for both dialects) and mentions it; neither counts as asking.
    @Test func commonAloneDoesNotAsk() throws {
        #expect(!CUDAKernelSource.forbidsContraction(try KernelSources.source(named: "common")))
        #expect(CUDAKernelSource.forbidsContraction("// x\n  FP_CONTRACT_OFF  // why\nKERNEL void k() {}\n"))
        #expect(!CUDAKernelSource.forbidsContraction("#define FP_CONTRACT_OFF\n// FP_CONTRACT_OFF\nint FP_CONTRACT_OFF_x;\n"))
    }

    /// The every-file options (what `buildOptions` gives and the program cache keys on) hold no
    /// contraction switch; the runtime adds the file's own.
    @Test func theSharedOptionsLeaveContractionToTheFile() {
        #expect(!CUDAKernelSource.options(architecture: "sm_90", defines: ["-DWGS=256"]).contains("--fmad=false"))
        #expect(CUDAKernelSource.contractionOptions(source: "FP_CONTRACT_OFF\n") == ["--fmad=false"])
        #expect(CUDAKernelSource.contractionOptions(source: "KERNEL void k() {}\n").isEmpty)
    }
}
