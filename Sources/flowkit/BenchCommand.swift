import ArgumentParser
import FlowBench
import FlowRuntime
import Foundation

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure training, log-density and sampling throughput on the standard workloads, or the kernels.",
        discussion: """
            With --workload W1|W2|W3|W4|W5 (or realnvp-2d, maf-d16, maf-d64, glow-digits8, nsf-d16): the protocol \
            of bench/WORKLOADS.md on one device, printed as one JSON line (samples/s: median and \
            min–max of three repeats; peak resident memory). Without it: GFLOP/s of the matrix \
            product at 1024×1024×1024, 512×256×256 and 512×128×128 (M×N×K) and of the 3×3 'same' \
            convolution of a [64, 64, 16, 16] input to 64 channels, on each selected device (the \
            median of --repeats runs after warm-up). Each product has a yardstick beside it, with \
            ours/yardstick: on the CPU the bare OpenBLAS sgemm, on OpenCL CLBlast's sgemm on the \
            same queue (opened at run time from libclblast.so.1 if installed; its largest \
            difference from our product is printed too).
            """)

    @Option(name: .long, help: "A workload: W1, W2, W3, W4, W5 (or realnvp-2d, maf-d16, maf-d64, glow-digits8, nsf-d16).")
    var workload: String?

    @Option(
        name: .long,
        help: "Device (cpu, opencl, opencl:N, cuda, cuda:N); for the kernels also 'all'. Default: all for kernels, $FLOWKIT_DEVICE or cpu for workloads.")
    var device: String?

    @Option(name: .long, parsing: .unconditional, help: "Timed calls per repeat for workloads (default: the protocol's clamp(time budget / call)).")
    var steps: Int?

    @Option(name: .long, help: "Workloads: also write the weights, one batch and its log-densities to DIR/<W>.safetensors (for bench/peers.py's cross-check).")
    var export: String?

    @Option(name: .long, parsing: .unconditional, help: "Timed runs per figure (the median is reported).")
    var repeats = 7

    @Flag(name: .long, help: "Print one JSON object per line instead of a table.")
    var json = false

    func validate() throws {
        try ArgumentChecks.count(repeats, "--repeats", in: 1...10_000)
        if let steps { try ArgumentChecks.count(steps, "--steps", in: 1...1_000_000) }
        if let workload, Workload(name: workload) == nil {
            throw ValidationError("unknown workload '\(workload)'; expected W1, W2, W3, W4, W5 or realnvp-2d, maf-d16, maf-d64, glow-digits8, nsf-d16")
        }
    }

    func run() throws {
        if let workload, let chosen = Workload(name: workload) {
            let target = try device.map { try DeviceRegistry.device(named: $0) } ?? DeviceRegistry.defaultDevice()
            print(try WorkloadBenchmark(workload: chosen, device: target, stepsOverride: steps).run(export: export))
            return
        }
        let device = self.device ?? "all"
        let names = device == "all" ? DeviceRegistry.available().map(\.selector) : [device]
        for name in names {
            let target = try DeviceRegistry.device(named: name)
            for result in try KernelBenchmarks(device: target, repeats: repeats).run() {
                print(json ? result.json : result.line)
            }
        }
    }
}
