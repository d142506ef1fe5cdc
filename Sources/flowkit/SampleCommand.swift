import ArgumentParser
import FlowLayers
import FlowRuntime
import FlowTraining
import Foundation

struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Draw samples from a trained model into a CSV, NPY or (for images) PNG file.",
        discussion:
            "Image samples are quantized to the data's integer levels; a PNG holds them as a grid, each image enlarged to at least 32 pixels a side (grey, or RGB for 3-channel images; levels scaled to 0…255). A VAE's samples are its decoder's locations (the mean, or for the discretised logistic the clamped location) at latents drawn from the prior, not draws from p(x|z)."
    )

    @Option(name: .long, parsing: .unconditional, help: "The run directory of a trained model.")
    var runDir: String

    // .unconditional: `-n -1` is the value -1 (a range error), not a missing value.
    @Option(name: .short, parsing: .unconditional, help: "Number of samples.")
    var n: Int

    @Option(name: .long, help: "Output file: .csv, .npy, or .png (images only).")
    var out: String

    @Option(name: .long, parsing: .unconditional, help: "Random seed of the samples.")
    var seed: UInt64 = 0

    @Option(name: .long, parsing: .unconditional, help: "Scale of the base distribution's noise (1 = the model; < 1 gives smoother, more typical samples).")
    var temperature: Float = 1

    @OptionGroup var device: DeviceOption

    func validate() throws {
        try ArgumentChecks.runDirectory(runDir)
        try ArgumentChecks.count(n, "-n", in: ConfigLimits.samples)
        guard temperature > 0, temperature <= 100, temperature.isFinite else {
            throw ValidationError("--temperature must be in (0, 100], got \(temperature)")
        }
        guard [".csv", ".npy", ".png"].contains(where: out.lowercased().hasSuffix) else {
            throw ValidationError("--out must end in .csv, .npy or .png, got \(out)")
        }
    }

    func run() throws {
        let target = try device.resolve()
        let model = try TrainedModel.load(run: RunDirectory(runDir), device: target, warn: printError)
        let values = try model.samples(n, seed: seed, temperature: temperature, on: target)
        let shape = [n] + model.data.source.eventShape
        let url = URL(fileURLWithPath: out)
        switch url.pathExtension.lowercased() {
        case "npy":
            try AtomicFile.write(NPYFile.encode(shape: shape, values: values), to: url)
        case "png":
            guard model.data.isImage, shape.count == 4 else { throw ValidationError("PNG output is for image models; use .csv or .npy") }
            try AtomicFile.write(ImageGrid.render(values, shape: shape, levels: model.data.levels ?? 256).encoded(), to: url)
        default:
            let width = values.count / n
            let rows = (0..<n).map { row in values[(row * width)..<((row + 1) * width)].map { "\($0)" }.joined(separator: ",") }
            try AtomicFile.write(Data((rows.joined(separator: "\n") + "\n").utf8), to: url)
        }
    }
}
