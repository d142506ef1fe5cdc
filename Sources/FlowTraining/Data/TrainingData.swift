import FlowLayers
import FlowRuntime

/// A source of training batches whose position is part of the checkpoint, plus fixed held-out
/// sets. `nextBatch` is deterministic given the position, so a resumed run sees the same batches.
public protocol TrainingData: AnyObject {
    /// Shape of one example (`[D]` vectors, `[C, H, W]` images).
    var eventShape: [Int] { get }
    /// The next `size` examples `[size, eventShape…]`, advancing the position.
    func nextBatch(_ size: Int) throws -> [Float]
    /// Held-out examples for validation and test (flattened, row-major).
    var validation: ArrayData { get }
    var test: ArrayData { get }
    /// Position in the training order, saved in checkpoints.
    var position: DataPosition { get set }
}

/// Where a data source is in its training order.
public struct DataPosition: Equatable, Sendable {
    /// Random stream for sources sampled on the fly (toy densities), or the epoch shuffle seed.
    public var stream: RandomStream
    public var epoch: Int
    public var offset: Int

    public init(stream: RandomStream, epoch: Int = 0, offset: Int = 0) {
        self.stream = stream
        self.epoch = epoch
        self.offset = offset
    }
}

/// A built-in 2-D density: a fresh batch from the sampler every step; fixed held-out sets drawn
/// from streams of their own.
public final class ToyData: TrainingData {
    public let density: ToyDensity
    public let eventShape = [2]
    public let validation: ArrayData
    public let test: ArrayData
    public var position: DataPosition

    public init(density: ToyDensity, seed: UInt64, evaluationSize: Int) throws {
        self.density = density
        var validationStream = RandomStream(seed: seed).derived(101)
        var testStream = RandomStream(seed: seed).derived(102)
        validation = ArrayData(shape: [evaluationSize, 2], values: try density.sample(evaluationSize, random: &validationStream))
        test = ArrayData(shape: [evaluationSize, 2], values: try density.sample(evaluationSize, random: &testStream))
        position = DataPosition(stream: RandomStream(seed: seed).derived(100))
    }

    public func nextBatch(_ size: Int) throws -> [Float] {
        try density.sample(size, random: &position.stream)
    }
}

/// Examples held in memory (tabular rows, images), visited in a fresh random order each epoch.
/// The order of epoch `e` is a pure function of (seed, e), so only (epoch, offset) is saved.
public final class ArrayTrainingData: TrainingData {
    public let train: ArrayData
    public let validation: ArrayData
    public let test: ArrayData
    private var shuffleStream: RandomStream
    private var epoch = 0
    private var offset = 0
    private var order: (epoch: Int, indices: [Int])?

    public var position: DataPosition {
        get { DataPosition(stream: shuffleStream, epoch: epoch, offset: offset) }
        set {
            (shuffleStream, epoch, offset) = (newValue.stream, newValue.epoch, newValue.offset)
            order = nil
        }
    }

    public init(train: ArrayData, validation: ArrayData, test: ArrayData, seed: UInt64) throws {
        guard train.count > 0 else { throw DataError(file: "training data", "has no examples") }
        self.train = train
        self.validation = validation
        self.test = test
        shuffleStream = RandomStream(seed: seed).derived(200)
    }

    public var eventShape: [Int] { Array(train.shape.dropFirst()) }

    public func nextBatch(_ size: Int) throws -> [Float] {
        var batch: [Float] = []
        let width = train.exampleSize
        batch.reserveCapacity(size * width)
        for _ in 0..<size {
            if offset >= train.count {  // >=: a hand-edited checkpoint may hold any offset
                epoch += 1
                offset = 0
            }
            let index = try indices(for: epoch)[offset]
            batch.append(contentsOf: train.values[(index * width)..<((index + 1) * width)])
            offset += 1
        }
        return batch
    }

    /// The shuffled order of an epoch: argsort of Philox uniforms from the epoch's own stream.
    private func indices(for epoch: Int) throws -> [Int] {
        if let order, order.epoch == epoch { return order.indices }
        var stream = shuffleStream.derived(UInt64(epoch))
        let keys = try stream.next([train.count], .uniform, on: DeviceRegistry.device(named: "cpu")).toArray()
        let indices = (0..<train.count).sorted { keys[$0] != keys[$1] ? keys[$0] < keys[$1] : $0 < $1 }
        order = (epoch, indices)
        return indices
    }
}
