import FlowKernelDevice
import FlowKernels
import FlowRuntime
import FlowTestSupport
import Foundation
import Testing

@testable import FlowCUDA

/// The kernels are written once for OpenCL C and CUDA C++ (`Kernels/common.cl`). The OpenCL side
/// is built on every OpenCL device by `OpenCLKernelBuildTests`; this suite compiles every kernel
/// file as CUDA C++ through NVRTC to PTX for sm_90 (Hopper), which needs NVRTC but no GPU. For a
/// real architecture NVRTC also assembles the PTX (ptxas), so code the GPU could not load fails
/// too, and to the CUBIN the CUDA backend (`CUDARuntime`) loads. No kernel runs on a GPU here.
///
/// Every file is compiled with each NVRTC under test: the folders in `FLOWKIT_NVRTC_TEST_DIRS`
/// (colon-separated; `.ci/run` names the 13.x and the 12.x wheel), or else each of this checkout's
/// `.cuda/nvrtc13` (13.x) and `.cuda/nvrtc` (12.x) that exists, or else whatever `NVRTC.load` finds.
/// Without NVRTC the compile tests are skipped, unless `FLOWKIT_REQUIRE_NVRTC=1` (set by `.ci/run`),
/// which makes an NVRTC that cannot be opened a failure, so CI cannot pass without having compiled
/// everything with every NVRTC it names.
@Suite struct KernelPortabilityTests {
    static let architecture = "sm_90"
    static let testDirectoriesVariable = "FLOWKIT_NVRTC_TEST_DIRS"

    /// One NVRTC the compile tests run with: where it was looked for and what opening it gave.
    struct Compiler: Sendable, CustomTestStringConvertible {
        let place: String
        let loaded: Result<NVRTC, any Error>
        var testDescription: String {
            switch loaded {
            case let .success(nvrtc): return "NVRTC \(nvrtc.version.major).\(nvrtc.version.minor)"
            case .failure: return "NVRTC in \(place) (not opened)"
            }
        }
        func nvrtc() throws -> NVRTC { try loaded.get() }
    }

    /// The folders `.ci/install-packages` puts the PyPI wheels' libraries in, in this checkout.
    static let projectLocalDirectories: [String] = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return [".cuda/nvrtc13/nvidia/cu13/lib", ".cuda/nvrtc/nvidia/cuda_nvrtc/lib"].map { root.appendingPathComponent($0).path }
    }()

    private static func directory(_ path: Substring) -> Compiler {
        Compiler(place: String(path), loaded: Result { try NVRTC.load(directory: String(path)) })
    }

    static let compilers: [Compiler] = {
        let environment = ProcessInfo.processInfo.environment
        if let listed = environment[testDirectoriesVariable], !listed.isEmpty {
            return listed.split(separator: ":").map { directory($0) }
        }
        let local = projectLocalDirectories.filter { FileManager.default.fileExists(atPath: $0) }
        if !local.isEmpty { return local.map { directory($0[...]) } }
        return [Compiler(place: "the standard places", loaded: Result { try NVRTC.load() })]
    }()

    static var required: Bool { ProcessInfo.processInfo.environment["FLOWKIT_REQUIRE_NVRTC"] == "1" }
    /// The compilers the tests run with: those that opened, or under FLOWKIT_REQUIRE_NVRTC=1 all
    /// of them (one that did not open then fails its cases).
    static var usable: [Compiler] { required ? compilers : compilers.filter { (try? $0.nvrtc()) != nil } }
    static var runnable: Bool { !usable.isEmpty }

    @Test func reportsTheNVRTCItUses() throws {
        // Always runs: says in the test log which NVRTCs the compile tests use, or why they skip.
        for compiler in Self.compilers {
            switch compiler.loaded {
            case let .success(nvrtc):
                print("NVRTC \(nvrtc.version.major).\(nvrtc.version.minor) from \(nvrtc.libraryPath), builtins \(nvrtc.builtinsPath ?? "not opened")")
                #expect(NVRTCLocation.supportedMajors.contains(nvrtc.version.major))
            case let .failure(error):
                if Self.required { Issue.record("FLOWKIT_REQUIRE_NVRTC=1, but NVRTC in \(compiler.place) could not be opened: \(error)") }
                print("NVRTC not found in \(compiler.place), its CUDA compile tests are skipped (FLOWKIT_REQUIRE_NVRTC=1 makes them fail): \(error)")
            }
        }
    }

    /// NVRTC 13 does not look for `libnvrtc-builtins.so.13.<minor>` beside itself: `NVRTC` opens it
    /// from the library's own folder and holds it (without it every compile fails with
    /// NVRTC_ERROR_BUILTIN_OPERATION_FAILURE). 12.x's is opened the same way.
    @Test(.enabled(if: runnable, "NVRTC not found: set FLOWKIT_NVRTC_DIR or run .ci/install-packages"), arguments: usable)
    func opensTheBuiltinsBesideTheLibrary(_ compiler: Compiler) throws {
        let nvrtc = try compiler.nvrtc()
        let folder = URL(fileURLWithPath: nvrtc.libraryPath).deletingLastPathComponent().path
        let expected = "\(folder)/libnvrtc-builtins.so.\(nvrtc.version.major).\(nvrtc.version.minor)"
        #expect(nvrtc.builtinsPath == expected, "\(nvrtc.builtinsProblem ?? "")")
    }

    /// Each file compiles without errors or warnings, to PTX for sm_90 that holds a kernel entry
    /// for every kernel of the file (so none is dropped in one dialect only) and no double-precision
    /// arithmetic (a float math call that resolved to a double overload would show as .f64).
    @Test(
        .enabled(if: runnable, "NVRTC not found: set FLOWKIT_NVRTC_DIR or run .ci/install-packages"),
        arguments: usable, KernelSources.programNames)
    func kernelFileCompilesToPTX(_ compiler: Compiler, _ name: String) throws {
        let nvrtc = try compiler.nvrtc()
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
    /// options: the default tuning, `--fmad=false` where the file asks for it): an ELF image for the
    /// CUDA machine that holds every kernel declared in the file by name, which `cuModuleLoadData`
    /// would load as it is.
    @Test(
        .enabled(if: runnable, "NVRTC not found: set FLOWKIT_NVRTC_DIR or run .ci/install-packages"),
        arguments: usable, KernelSources.programNames)
    func kernelFileCompilesToCUBIN(_ compiler: Compiler, _ name: String) throws {
        let nvrtc = try compiler.nvrtc()
        let output: (cubin: [UInt8], log: String)
        do {
            let source = try CUDAKernelSource.source(named: name)
            output = try nvrtc.compileToCUBIN(
                source: source, name: "\(name).cl", options: CUDAKernelSource.options(architecture: Self.architecture, source: source))
        } catch {
            Issue.record("\(name).cl does not compile to a CUBIN: \(error)")
            return
        }
        let log = output.log.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(log.isEmpty, "\(name).cl: NVRTC reported:\n\(log)")
        let cubin = output.cubin
        // ELF magic, 64-bit, and e_machine (bytes 18-19, little-endian) EM_CUDA = 190.
        let isCUDAELF =
            cubin.count > 64 && Array(cubin.prefix(4)) == [0x7F, 0x45, 0x4C, 0x46] && cubin[4] == 2
            && Int(cubin[18]) | Int(cubin[19]) << 8 == 190
        #expect(isCUDAELF, "\(name).cl: not a 64-bit CUDA ELF image (\(cubin.count) bytes)")
        let declared = try Self.matches(of: #"KERNEL\s+void\s+([a-z_][a-z0-9_]*)\s*\("#, in: try KernelSources.source(named: name))
        let image = Data(cubin)
        let missing = declared.filter { image.range(of: Data($0.utf8) + [0]) == nil }
        #expect(missing.isEmpty, "\(name).cl: kernels missing from the CUBIN: \(missing)")
    }

    /// NVRTC contracts `a * b + c` into an FMA unless the file says FP_CONTRACT_OFF (then
    /// `--fmad=false`); the gemm, which does not, keeps its FMAs (without them its inner loop is a
    /// multiply and an add per term, half the float throughput).
    @Test(.enabled(if: runnable, "NVRTC not found: set FLOWKIT_NVRTC_DIR or run .ci/install-packages"), arguments: usable)
    func contractionFollowsTheFile(_ compiler: Compiler) throws {
        let nvrtc = try compiler.nvrtc()
        func ptx(_ body: String) throws -> String {
            let source = try KernelSources.programSource(name: "flowkit_test_fma", body: body)
            return try nvrtc.compileToPTX(
                source: source, name: "flowkit_test_fma.cl", options: CUDAKernelSource.options(architecture: Self.architecture, source: source))
        }
        let kernel = "KERNEL void muladd(GLOBAL float* x) { x[0] = x[1] * x[2] + x[3]; }\n"
        let contracted = try ptx(kernel).contains("fma.rn.f32")
        let kept = try ptx("FP_CONTRACT_OFF\n" + kernel).contains("fma.rn.f32")
        #expect(contracted, "a file without FP_CONTRACT_OFF got no FMA")
        #expect(!kept, "a file with FP_CONTRACT_OFF got an FMA")
        let gemm = try CUDAKernelSource.compile(named: "gemm", architecture: Self.architecture, with: nvrtc).ptx
        func count(_ instructions: String...) -> Int { instructions.map { gemm.components(separatedBy: $0).count - 1 }.reduce(0, +) }
        let fmas = count("fma.rn.f32")
        print(
            "gemm.cl with NVRTC \(nvrtc.version.major).\(nvrtc.version.minor): \(fmas) fma, "
                + "\(count("mul.f32", "mul.rn.f32")) mul, \(count("add.f32", "add.rn.f32")) add (f32)")
        #expect(fmas > 0, "gemm.cl's PTX has no FMA")
    }

    /// A virtual architecture gives PTX only: asking it for a CUBIN is an error that says so,
    /// not an empty image handed to the driver.
    @Test(.enabled(if: runnable, "NVRTC not found: set FLOWKIT_NVRTC_DIR or run .ci/install-packages"), arguments: usable)
    func aVirtualArchitectureHasNoCUBIN(_ compiler: Compiler) throws {
        let nvrtc = try compiler.nvrtc()
        let error = #expect(throws: NVRTCError.self) {
            _ = try nvrtc.compileToCUBIN(
                source: CUDAKernelSource.source(named: "adam"), name: "adam.cl",
                options: CUDAKernelSource.options(architecture: "compute_90", defines: Tuning().defines))
        }
        #expect(error?.description.contains("real architecture") == true, "\(String(describing: error))")
    }

    /// A vector literal, valid OpenCL C but not C++, fails with NVRTC's log naming the file, so
    /// the test above cannot pass on a file that is not portable.
    @Test(.enabled(if: runnable, "NVRTC not found: set FLOWKIT_NVRTC_DIR or run .ci/install-packages"), arguments: usable)
    func nonPortableSourceFailsWithTheFileAndLog(_ compiler: Compiler) throws {
        let nvrtc = try compiler.nvrtc()
        let source = try KernelSources.programSource(
            name: "flowkit_test_literal", body: "KERNEL void literal(GLOBAL float2* y) { y[0] = (float2)(1.0f, 2.0f); }\n")
        let error = #expect(throws: NVRTCError.self) {
            try nvrtc.compileToPTX(
                source: source, name: "flowkit_test_literal.cl", options: CUDAKernelSource.options(architecture: Self.architecture, source: source))
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
