import FlowKernels
import FlowRuntime
import Foundation

/// Every kernel file builds: on an OpenCL or CUDA device through its compiler (a failure carries
/// the build log), and as CUDA C++ to PTX through NVRTC when NVRTC can be opened (a skipped row,
/// never a failure, when it cannot: NVRTC is optional and needs no GPU).
enum KernelBuildChecks {
    /// The tests' target (Hopper); NVRTC also assembles the PTX for a real architecture, so code a
    /// GPU could not load fails here too.
    static let architecture = "sm_90"

    /// Each kernel file built on the device itself, with the kernels its compiler found.
    static func runOnDevice(_ r: CheckRecorder) {
        let backend: String
        let kernelNames: (String) throws -> [String]
        if let device = r.device as? OpenCLDevice {
            (backend, kernelNames) = ("OpenCL", device.kernelNames(inProgram:))
        } else if let device = r.device as? CUDADevice {
            (backend, kernelNames) = ("CUDA", device.kernelNames(inProgram:))
        } else {
            return
        }
        for name in KernelSources.programNames {
            r.run("build \(name).cl", backend) {
                let kernels: [String]
                do {
                    kernels = try kernelNames(name)
                } catch let FlowError.cuda(call, _, _, message) where call == "cuModuleEnumerateFunctions" {
                    // Built and loaded (listing comes after both); only a CUDA 12.4+ driver can list.
                    r.record(
                        CheckRow(
                            section: r.section, op: "build \(name).cl", shapes: backend, tolerance: "builds, has kernels",
                            status: .pass, detail: "built; kernels not listed: \(message)"))
                    return
                }
                r.record(
                    CheckRow(
                        section: r.section, op: "build \(name).cl", shapes: backend, tolerance: "builds, has kernels",
                        status: kernels.isEmpty ? .fail : .pass, detail: "\(kernels.count) kernels"))
            }
        }
    }

    static func runNVRTC(_ r: CheckRecorder) {
        let nvrtc: NVRTC
        do {
            nvrtc = try NVRTC.load(fallbackDirectories: NVRTC.standardFallbackDirectories)
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
