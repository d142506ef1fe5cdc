import FlowLayers
import FlowRuntime
import Foundation

/// A loaded data set and what the model needs to know about it.
public struct LoadedData {
    public let source: any TrainingData
    /// Integer-valued images (dequantized inside the model) rather than real-valued vectors.
    public let isImage: Bool
    /// Intensity levels of image data.
    public let levels: Int?
    /// Per-feature mean and standard deviation of the training split (tabular data).
    public let standardization: (mean: [Float], std: [Float])?
    /// The built-in density, when the data is one (its entropy bounds the achievable NLL).
    public let toy: ToyDensity?
}

/// Reads the data a config describes and checks it: finite values, consistent widths, image
/// values within their levels. Errors name the file and the row or element.
public enum DataLoader {
    /// Points drawn to standardise a toy density (`data.standardize`): the statistics' relative
    /// error is about 1/√n, 0.3% here.
    static let toyStatisticsSample = 100_000

    public static func load(_ config: DataConfig, seed: UInt64) throws -> LoadedData {
        switch config.kind {
        case .toy:
            guard let name = config.name, let density = ToyDensity(name: name) else {
                throw ConfigError(key: "data.name", "is not a toy density")
            }
            let source = try ToyData(density: density, seed: seed, evaluationSize: config.evaluationSize)
            // A toy density has no training file to take statistics from: a fixed sample of its
            // own, from a stream no split uses, stands in for one.
            var standardization: (mean: [Float], std: [Float])?
            if config.standardize {
                var stream = RandomStream(seed: seed).derived(103)
                let sample = ArrayData(shape: [toyStatisticsSample, 2], values: try density.sample(toyStatisticsSample, random: &stream))
                standardization = try statistics(sample, file: "toy density '\(density.rawValue)'")
            }
            return LoadedData(source: source, isImage: false, levels: nil, standardization: standardization, toy: density)
        case .csv, .npy:
            let train = try readFile(config.train ?? "", kind: config.kind)
            let isImage = train.shape.count >= 3
            return try assemble(train: train, config: config, seed: seed, isImage: isImage, levels: isImage ? config.levels ?? 256 : nil)
        case .idx:
            let images = try IDXFile.read(config.train ?? "")
            return try assemble(train: asImages(images), config: config, seed: seed, isImage: true, levels: config.levels ?? 256)
        case .digits:
            let all = try Digits.load()
            let train = ArrayData(shape: [Digits.trainCount, 1, 8, 8], values: Array(all.values[..<(Digits.trainCount * 64)]))
            let test = ArrayData(shape: [all.count - Digits.trainCount, 1, 8, 8], values: Array(all.values[(Digits.trainCount * 64)...]))
            return try assemble(train: train, test: test, config: config, seed: seed, isImage: true, levels: Digits.levels)
        }
    }

    /// A data file for `eval` / `logprob`, in the training data's format.
    public static func readFile(_ path: String, kind: DataConfig.Kind) throws -> ArrayData {
        if path.hasSuffix(".npy") || kind == .npy { return try NPYFile.read(path) }
        if kind == .idx { return asImages(try IDXFile.read(path)) }
        return try CSVFile.read(path)
    }

    /// `[N, H, W]` images gain a channel axis.
    static func asImages(_ data: ArrayData) -> ArrayData {
        guard data.shape.count == 3 else { return data }
        return ArrayData(shape: [data.shape[0], 1, data.shape[1], data.shape[2]], values: data.values)
    }

    private static func assemble(
        train full: ArrayData, test givenTest: ArrayData? = nil, config: DataConfig, seed: UInt64, isImage: Bool, levels: Int?
    ) throws -> LoadedData {
        let file = config.train ?? "built-in digits"
        var train = isImage ? asImages(full) : full
        if isImage, let levels { try checkLevels(train, levels: levels, file: file) }
        var validation: ArrayData
        if let path = config.validation {
            validation = try checked(readFile(path, kind: config.kind), like: train, file: path, isImage: isImage, levels: levels)
        } else {
            (train, validation) = try split(train, fraction: config.validationFraction, seed: seed, file: file)
        }
        var test = validation
        if let path = config.test {
            test = try checked(readFile(path, kind: config.kind), like: train, file: path, isImage: isImage, levels: levels)
        } else if let givenTest {
            test = givenTest
        }
        let standardization = !isImage && config.standardize ? try statistics(train, file: file) : nil
        let source = try ArrayTrainingData(train: train, validation: validation, test: test, seed: seed)
        return LoadedData(source: source, isImage: isImage, levels: levels, standardization: standardization, toy: nil)
    }

    /// Checks that `data` has the training data's example shape (and valid image levels).
    public static func checked(_ raw: ArrayData, like train: ArrayData, file: String, isImage: Bool, levels: Int?) throws -> ArrayData {
        let data = isImage ? asImages(raw) : raw
        guard data.count > 0 else { throw DataError(file: file, "has no examples") }
        let expected = Array(train.shape.dropFirst())
        guard Array(data.shape.dropFirst()) == expected else {
            let what = isImage ? "images of shape \(Array(data.shape.dropFirst()))" : "\(data.exampleSize) columns"
            let wanted = isImage ? "\(expected)" : "\(expected.reduce(1, *)) columns"
            throw DataError(file: file, "has \(what), the model expects \(wanted)")
        }
        if isImage, let levels { try checkLevels(data, levels: levels, file: file) }
        return data
    }

    static func checkLevels(_ data: ArrayData, levels: Int, file: String) throws {
        if let index = data.values.firstIndex(where: { $0 < 0 || $0 >= Float(levels) || $0 != $0.rounded() }) {
            throw DataError(
                file: file,
                "image \(index / data.exampleSize), element \(index % data.exampleSize): value \(data.values[index]) is not an integer level in 0..<\(levels)")
        }
    }

    /// A deterministic random hold-out of `fraction` of the examples.
    static func split(_ data: ArrayData, fraction: Double, seed: UInt64, file: String) throws -> (ArrayData, ArrayData) {
        let held = Int((Double(data.count) * fraction).rounded())
        guard held >= 1, data.count - held >= 1 else {
            throw DataError(file: file, "has \(data.count) examples: too few to hold out \(fraction) for validation (give a validation file)")
        }
        var stream = RandomStream(seed: seed).derived(300)
        let keys = try stream.next([data.count], .uniform, on: DeviceRegistry.device(named: "cpu")).toArray()
        let order = (0..<data.count).sorted { keys[$0] != keys[$1] ? keys[$0] < keys[$1] : $0 < $1 }
        func gather(_ indices: ArraySlice<Int>) -> ArrayData {
            let width = data.exampleSize
            var values: [Float] = []
            values.reserveCapacity(indices.count * width)
            for index in indices.sorted() { values += data.values[(index * width)..<((index + 1) * width)] }
            return ArrayData(shape: [indices.count] + data.shape.dropFirst(), values: values, columnNames: data.columnNames)
        }
        return (gather(order[held...]), gather(order[..<held]))
    }

    static func statistics(_ data: ArrayData, file: String) throws -> (mean: [Float], std: [Float]) {
        let width = data.exampleSize
        var mean = [Double](repeating: 0, count: width)
        var squares = [Double](repeating: 0, count: width)
        for row in 0..<data.count {
            for j in 0..<width {
                let v = Double(data.values[row * width + j])
                mean[j] += v
                squares[j] += v * v
            }
        }
        let n = Double(data.count)
        var std: [Float] = []
        for j in 0..<width {
            mean[j] /= n
            let variance = max(0, squares[j] / n - mean[j] * mean[j])
            guard variance > 1e-12 * max(1, mean[j] * mean[j]) else {
                let column = data.columnNames.map { " ('\($0[j])')" } ?? ""
                throw DataError(file: file, "column \(j + 1)\(column) is constant: a density over it is degenerate; remove the column")
            }
            std.append(Float(variance.squareRoot()))
        }
        return (mean.map(Float.init), std)
    }
}
