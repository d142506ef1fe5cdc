import ArgumentParser
import FlowLayers
import FlowRuntime
import FlowTraining
import Foundation

struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Draw samples from a trained model into a CSV, NPY or (for images) PNG file.",
        discussion: "Image samples are quantized to the data's integer levels; a PNG holds them as a grid (grey levels scaled to 0…255).")

    @Option(name: .long, help: "The run directory of a trained model.")
    var runDir: String

    @Option(name: .short, help: "Number of samples.")
    var n: Int

    @Option(name: .long, help: "Output file: .csv, .npy, or .png (images only).")
    var out: String

    @Option(name: .long, help: "Random seed of the samples.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Scale of the base distribution's noise (1 = the model; < 1 gives smoother, more typical samples).")
    var temperature: Float = 1

    @OptionGroup var device: DeviceOption

    func validate() throws {
        guard n >= 1 else { throw ValidationError("-n must be at least 1") }
        guard temperature > 0, temperature.isFinite else { throw ValidationError("--temperature must be positive") }
        guard [".csv", ".npy", ".png"].contains(where: out.lowercased().hasSuffix) else {
            throw ValidationError("--out must end in .csv, .npy or .png, got \(out)")
        }
    }

    func run() throws {
        let target = try device.resolve()
        let model = try TrainedModel.load(run: RunDirectory(runDir), device: target, warn: printError)
        var stream = RandomStream(seed: seed)
        var samples = try model.flow.sample(n, random: &stream, temperature: temperature, on: target)
        let shape = [n] + model.data.source.eventShape
        if let dequantizer = model.flow.chain.transforms.first as? UniformDequantization {
            samples = try dequantizer.quantize(samples)
        }
        let values = try samples.toArray()
        let url = URL(fileURLWithPath: out)
        switch url.pathExtension.lowercased() {
        case "npy":
            try AtomicFile.write(NPYFile.encode(shape: shape, values: values), to: url)
        case "png":
            guard model.data.isImage, shape.count == 4 else { throw ValidationError("PNG output is for image models; use .csv or .npy") }
            try AtomicFile.write(grid(values, shape: shape, levels: model.data.levels ?? 256), to: url)
        default:
            let width = values.count / n
            let rows = (0..<n).map { row in values[(row * width)..<((row + 1) * width)].map { "\($0)" }.joined(separator: ",") }
            try AtomicFile.write(Data((rows.joined(separator: "\n") + "\n").utf8), to: url)
        }
    }

    /// Samples tiled into one greyscale image, channels averaged, one pixel of spacing.
    private func grid(_ values: [Float], shape: [Int], levels: Int) -> Data {
        let (count, channels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        let columns = Int(Double(count).squareRoot().rounded(.up))
        let rows = (count + columns - 1) / columns
        let (imageWidth, imageHeight) = (columns * (width + 1) - 1, rows * (height + 1) - 1)
        var pixels = [UInt8](repeating: 255, count: imageWidth * imageHeight)
        for index in 0..<count {
            let (top, left) = (index / columns * (height + 1), index % columns * (width + 1))
            for y in 0..<height {
                for x in 0..<width {
                    var sum: Float = 0
                    for c in 0..<channels { sum += values[((index * channels + c) * height + y) * width + x] }
                    let level = sum / Float(channels) / Float(max(1, levels - 1))
                    pixels[(top + y) * imageWidth + left + x] = UInt8(max(0, min(255, (level * 255).rounded())))
                }
            }
        }
        return PNGImage.encodeGrey(width: imageWidth, height: imageHeight, pixels: pixels)
    }
}
