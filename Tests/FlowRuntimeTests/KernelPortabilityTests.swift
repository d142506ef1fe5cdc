import Foundation
import Testing

@testable import FlowCUDA
import FlowKernelDevice
import FlowKernels
import FlowRuntime
import FlowTestSupport

/// The kernels are written once for OpenCL C and CUDA C++ (`Kernels/common.cl`). The OpenCL side
/// is built on every OpenCL device by `OpenCLKernelBuildTests`; this suite compiles every kernel
/// file as CUDA C++ through NVRTC to PTX for sm_90 (Hopper), which needs NVRTC but no GPU. For a
/// real architecture NVRTC also assembles the PTX (ptxas), so code the GPU could not load fails
/// too, and to the CUBIN the CUDA backend (`CUDARuntime`) loads. No kernel runs on a GPU here.
///
/// Without NVRTC the compile tests are skipped, unless `FLOWKIT_REQUIRE_NVRTC=1` (set by `.ci/run`),
/// which makes a missing NVRTC a failure, so CI cannot pass without having compiled anything.
@Suite struct KernelPortabilityTests {
    static let architecture = "sm_90"

    /// `.cuda/nvrtc` of this checkout, where `.ci/install-packages` puts the PyPI wheel's library.
    static let projectLocalDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".cuda/nvrtc/nvidia/cuda_nvrtc/lib").path

    static let loaded: Result<NVRTC, any Error> = Result { try NVRTC.load(fallbackDirectories: [projectLocalDirectory]) }
    static var required: Bool { ProcessInfo.processInfo.environment["FLOWKIT_REQUIRE_NVRTC"] == "1" }
    static var runnable: Bool { required || (try? loaded.get()) != nil }

    /// NVRTC; the tests only run without it under FLOWKIT_REQUIRE_NVRTC=1, and then this throws
    /// (and fails them) with every place it was looked for.
    private func nvrtc() throws -> NVRTC { try Self.loaded.get() }

    @Test func reportsTheNVRTCItUses() throws {
        // Always runs: says in the test log which NVRTC the compile tests use, or why they skip.
        switch Self.loaded {
        case let .success(nvrtc):
            print("NVRTC \(nvrtc.version.major).\(nvrtc.version.minor) from \(nvrtc.libraryPath)")
            #expect(nvrtc.version.major == 12)
        case let .failure(error):
            if Self.required { Issue.record("FLOWKIT_REQUIRE_NVRTC=1, but NVRTC could not be opened: \(error)") }
            print("NVRTC not found, the CUDA compile tests are skipped (FLOWKIT_REQUIRE_NVRTC=1 makes them fail): \(error)")
        }
    }

    /// Each file compiles without errors or warnings, to PTX for sm_90 that holds a kernel entry
    /// for every kernel of the file (so none is dropped in one dialect only) and no double-precision
    /// arithmetic (a float math call that resolved to a double overload would show as .f64).
    @Test(.enabled(if: runnable, "NVRTC not found: set FLOWKIT_NVRTC_DIR or run .ci/install-packages"),
          arguments: KernelSources.programNames)
    func kernelFileCompilesToPTX(_ name: String) throws {
        let nvrtc = try nvrtc()
        let output: (ptx: String, log: String)
        do {
            output = try CUDAKernelSource.compile(named: name, architecture: Self.architecture, with: nvrtc)
        } catch {
            Issue.record("\(name).cl does not compile as CUDA C++: \(error)")
            return
        }
        let log = output.log.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(log.isEmpty, "\(name).cl: NVRTC reported:\n\(log)")
        // Booleans, so that a failure prints the message rather than the whole PTX.
        let targetsSM90 = output.ptx.contains(".target sm_90")
        let usesDouble = output.ptx.contains(".f64")
        #expect(targetsSM90, "\(name).cl: PTX for another target")
        #expect(!usesDouble, "\(name).cl: the PTX computes in double precision")
        let entries = Set(try Self.matches(of: #"\.entry\s+([A-Za-z_][A-Za-z0-9_]*)"#, in: output.ptx))
        #expect(!entries.isEmpty, "\(name).cl: no kernel in the PTX")
        // Kernels declared literally in the file (names in lower case: GEMM_KERNEL's NAME is not one).
        let declared = Set(try Self.matches(of: #"KERNEL\s+void\s+([a-z_][a-z0-9_]*)\s*\("#, in: try KernelSources.source(named: name)))
        #expect(declared.isSubset(of: entries), "\(name).cl: kernels missing from the PTX: \(declared.subtracting(entries).sorted())")
        // The OpenCL compiler's list is complete (it sees through macros): the same set in both dialects.
        if let device = TestDevices.openCL.first?.device as? OpenCLDevice {
            let openCL = Set(try device.kernelNames(inProgram: name))
            #expect(entries == openCL, "\(name).cl: OpenCL kernels \(openCL.sorted()), PTX entries \(entries.sorted())")
        }
    }

    /// Each file compiles to a CUBIN for sm_90, as `CUDARuntime` compiles it for an H100 (the same
    /// options: the default tuning, `--fmad=false`): an ELF image for the CUDA machine that holds
    /// every kernel declared in the file by name, which `cuModuleLoadData` would load as it is.
    @Test(.enabled(if: runnable, "NVRTC not found: set FLOWKIT_NVRTC_DIR or run .ci/install-packages"),
          arguments: KernelSources.programNames)
    func kernelFileCompilesToCUBIN(_ name: String) throws {
        let nvrtc = try nvrtc()
        let output: (cubin: [UInt8], log: String)
        do {
            output = try nvrtc.compileToCUBIN(
                source: CUDAKernelSource.source(named: name), name: "\(name).cl",
                options: CUDAKernelSource.options(architecture: Self.architecture, defines: Tuning().defines))
        } catch {
            Issue.record("\(name).cl does not compile to a CUBIN: \(error)")
            return
        }
        let log = output.log.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(log.isEmpty, "\(name).cl: NVRTC reported:\n\(log)")
        let cubin = output.cubin
        // ELF magic, 64-bit, and e_machine (bytes 18-19, little-endian) EM_CUDA = 190.
        let isCUDAELF = cubin.count > 64 && Array(cubin.prefix(4)) == [0x7F, 0x45, 0x4C, 0x46] && cubin[4] == 2
            && Int(cubin[18]) | Int(cubin[19]) << 8 == 190
        #expect(isCUDAELF, "\(name).cl: not a 64-bit CUDA ELF image (\(cubin.count) bytes)")
        let declared = try Self.matches(of: #"KERNEL\s+void\s+([a-z_][a-z0-9_]*)\s*\("#, in: try KernelSources.source(named: name))
        let image = Data(cubin)
        let missing = declared.filter { image.range(of: Data($0.utf8) + [0]) == nil }
        #expect(missing.isEmpty, "\(name).cl: kernels missing from the CUBIN: \(missing)")
    }

    /// A virtual architecture gives PTX only: asking it for a CUBIN is an error that says so,
    /// not an empty image handed to the driver.
    @Test(.enabled(if: runnable, "NVRTC not found: set FLOWKIT_NVRTC_DIR or run .ci/install-packages"))
    func aVirtualArchitectureHasNoCUBIN() throws {
        let nvrtc = try nvrtc()
        let error = #expect(throws: NVRTCError.self) {
            _ = try nvrtc.compileToCUBIN(
                source: CUDAKernelSource.source(named: "adam"), name: "adam.cl",
                options: CUDAKernelSource.options(architecture: "compute_90", defines: Tuning().defines))
        }
        #expect(error?.description.contains("real architecture") == true, "\(String(describing: error))")
    }

    /// A vector literal, valid OpenCL C but not C++, fails with NVRTC's log naming the file, so
    /// the test above cannot pass on a file that is not portable.
    @Test(.enabled(if: runnable, "NVRTC not found: set FLOWKIT_NVRTC_DIR or run .ci/install-packages"))
    func nonPortableSourceFailsWithTheFileAndLog() throws {
        let nvrtc = try nvrtc()
        let source = try KernelSources.programSource(
            name: "flowkit_test_literal", body: "KERNEL void literal(GLOBAL float2* y) { y[0] = (float2)(1.0f, 2.0f); }\n")
        let error = #expect(throws: NVRTCError.self) {
            try nvrtc.compileToPTX(source: source, name: "flowkit_test_literal.cl", options: CUDAKernelSource.options(architecture: Self.architecture))
        }
        guard case let .compilation(program, _, log)? = error else {
            Issue.record("expected NVRTCError.compilation, got \(String(describing: error))")
            return
        }
        #expect(program == "flowkit_test_literal.cl")
        #expect(log.contains("flowkit_test_literal.cl(1)"), "the log does not point at the file and line:\n\(log)")
    }

    /// The first capture group of every match.
    private static func matches(of pattern: String, in text: String) throws -> [String] {
        let regex = try NSRegularExpression(pattern: pattern)
        let range = NSRange(text.startIndex..., in: text)
        return regex.matches(in: text, range: range).compactMap { match in
            Range(match.range(at: 1), in: text).map { String(text[$0]) }
        }
    }
}
