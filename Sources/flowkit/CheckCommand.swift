import ArgumentParser
import FlowCheck
import FlowRuntime
import Foundation

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Verify a device: every op against the references, the RNG, determinism, kernel builds, short training runs.",
        discussion: """
            Runs the conformance suite built into the binary on each selected device (default: every \
            device `flowkit devices` lists, the CPU included) and prints a table: op, shapes, max \
            absolute and relative error, the tolerance (the Swift tests' own), pass or fail. Ops are \
            compared with Double references, the RNG streams bit for bit with the CPU device, \
            reductions and a few training steps with a second run of themselves. Every kernel file \
            is built on OpenCL devices, and compiled to PTX with NVRTC when it can be opened \
            (FLOWKIT_NVRTC_DIR, the linker path, next to the binary; 'skip' otherwise). Exits \
            non-zero when any row fails.
            """)

    @Option(name: .long, help: "Device: cpu, opencl, opencl:N, cuda, cuda:N, or all (the default: every listed device).")
    var device: String?

    @Flag(name: .long, help: "Print one JSON document (devices, rows, summaries) instead of the table.")
    var json = false

    @Flag(name: .long, help: "Skip the NVRTC (CUDA C++ → PTX) compile rows.")
    var noNVRTC = false

    @Option(name: .long, help: "Only these sections, comma-separated: kernels, ops, rng, determinism, training.")
    var only: String?

    /// Alters the results of ops whose name contains the pattern ('all' for every op) before they
    /// are compared: for testing that the suite fails when a device is wrong.
    @Option(name: .long, help: .hidden)
    var perturb: String?

    func validate() throws {
        if let unknown = sections?.first(where: { !CheckSuite.sectionNames.contains($0) }) {
            throw ValidationError("unknown section '\(unknown)' for --only; expected \(CheckSuite.sectionNames.joined(separator: ", "))")
        }
    }

    private var sections: Set<String>? {
        only.map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }) }
    }

    func run() throws {
        let names = device.map { $0.lowercased() == "all" ? nil : [$0] } ?? nil
        let selected = try names.map { try $0.map { try DeviceRegistry.device(named: $0).info } } ?? DeviceRegistry.available()
        let suite = CheckSuite(perturbation: perturb.map(Perturbation.init(pattern:)), includeNVRTC: !noNVRTC, sections: sections)
        var reports: [DeviceReport] = []
        for info in selected {
            let started = Date()
            printError("check \(info.selector) (\(info.name)):")
            do {
                let target = try DeviceRegistry.device(named: info.selector)
                let report = try suite.run(on: target) { section in printError("  \(section)…") }
                reports.append(report)
            } catch {
                reports.append(DeviceReport(failedToOpen: info, error: error))
            }
            printError(String(format: "  done in %.1f s", Date().timeIntervalSince(started)))
        }
        let report = CheckReport(devices: reports, perturbation: suite.perturbation)
        print(json ? try report.json() : ReportTable.render(report))
        if !report.passed { throw ExitCode(1) }
    }
}
