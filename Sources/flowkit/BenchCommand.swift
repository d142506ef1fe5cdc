import ArgumentParser
import FlowRuntime
import Foundation

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the runtime's kernels: GFLOP/s of the matrix product and the 3×3 convolution.",
        discussion: """
            Runs, on each selected device: the matrix product at 1024×1024×1024 and 512×256×256 \
            (M×N×K), and the 3×3 'same' convolution of a [64, 64, 16, 16] input to 64 channels. \
            Each figure is the median of --repeats timed runs after warm-up (each run synchronises \
            the device). On the CPU the raw OpenBLAS sgemm is measured too, as the yardstick.
            """)

    @Option(name: .long, help: "Device to measure (cpu, opencl, opencl:N), or 'all' for every device found.")
    var device = "all"

    @Option(name: .long, help: "Timed runs per figure (the median is reported).")
    var repeats = 7

    @Flag(name: .long, help: "Print one JSON object per line instead of a table.")
    var json = false

    func validate() throws {
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
    }

    func run() throws {
        let names = device == "all" ? DeviceRegistry.available().map(\.selector) : [device]
        for name in names {
            let target = try DeviceRegistry.device(named: name)
            for result in try KernelBenchmarks(device: target, repeats: repeats).run() {
                print(json ? result.json : result.line)
            }
        }
    }
}
