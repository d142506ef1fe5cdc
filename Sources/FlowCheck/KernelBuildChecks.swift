import FlowKernels
import FlowRuntime
import Foundation

/// Every kernel file builds: on an OpenCL device through its driver (a failure carries the build
/// log), and as CUDA C++ to PTX through NVRTC when NVRTC can be opened (a skipped row, never a
/// failure, when it cannot: NVRTC is optional and needs no GPU).
enum KernelBuildChecks {
    /// The tests' target (Hopper); NVRTC also assembles the PTX for a real architecture, so code a
    /// GPU could not load fails here too.
    static let architecture = "sm_90"

    static func runOpenCL(_ r: CheckRecorder) {
        guard let device = r.device as? OpenCLDevice else { return }
        for name in KernelSources.programNames {
            r.run("build \(name).cl", "OpenCL") {
                let kernels = try device.kernelNames(inProgram: name)
                r.record(
                    CheckRow(
                        section: r.section, op: "build \(name).cl", shapes: "OpenCL", tolerance: "builds, has kernels",
                        status: kernels.isEmpty ? .fail : .pass, detail: "\(kernels.count) kernels"))
            }
        }
    }

    /// Where NVRTC is looked for after `$FLOWKIT_NVRTC_DIR` and the linker's path: next to the
    /// binary (a carried bundle) and the usual CUDA toolkit folders.
    static var fallbackDirectories: [String] {
        var directories: [String] = []
        if let executable = Bundle.main.executableURL?.deletingLastPathComponent() {
            directories += [executable.path, executable.appendingPathComponent("nvrtc").path]
        }
        return directories + ["/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/lib/x86_64-linux-gnu"]
    }

    static func runNVRTC(_ r: CheckRecorder) {
        let nvrtc: NVRTC
        do {
            nvrtc = try NVRTC.load(fallbackDirectories: fallbackDirectories)
        } catch {
            r.record(
                CheckRow(
                    section: r.section, op: "NVRTC (CUDA C++ → PTX)", shapes: architecture, tolerance: "not available",
                    status: .skipped, detail: "\(error)"))
            return
        }
        for name in KernelSources.programNames {
            let op = "nvrtc \(name).cl"
            let shapes = "\(architecture), NVRTC \(nvrtc.version.major).\(nvrtc.version.minor)"
            r.run(op, shapes) {
                let output = try CUDAKernelSource.compileWithDefaultTuning(named: name, architecture: architecture, with: nvrtc)
                let log = output.log.trimmingCharacters(in: .whitespacesAndNewlines)
                var problems: [String] = []
                if !log.isEmpty { problems.append("NVRTC reported: \(log)") }
                if !output.ptx.contains(".target \(architecture)") { problems.append("PTX for another target") }
                if output.ptx.contains(".f64") { problems.append("the PTX computes in double precision") }
                let entries = output.ptx.components(separatedBy: ".entry").count - 1
                if entries == 0 { problems.append("no kernel in the PTX") }
                r.record(
                    CheckRow(
                        section: r.section, op: op, shapes: shapes, tolerance: "compiles, no warnings, no f64",
                        status: problems.isEmpty ? .pass : .fail,
                        detail: problems.isEmpty ? "\(entries) entries" : problems.joined(separator: "; ")))
            }
        }
    }
}
