import Foundation
import Testing

@testable import FlowTraining

struct CheckpointStoreTests {
    static func metadata(_ step: Int) -> CheckpointMetadata {
        CheckpointMetadata(
            step: step, streams: ["data": .init(seed: 1, counter: UInt64(step))], dataEpoch: 0, dataOffset: step,
            learningRateFactor: 1, nonFiniteStreak: 0, bestValidation: nil, bestStep: nil, stepsWithoutImprovement: 0,
            parameterNames: ["w"])
    }

    static func temporaryRun() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("flowkit-ckpt-\(UUID().uuidString)")
    }

    @Test func keepsTheNewestAndLoadsTheLatest() throws {
        let run = Self.temporaryRun()
        defer { try? FileManager.default.removeItem(at: run) }
        let store = CheckpointStore(runDirectory: run, keep: 2)
        for step in [10, 20, 30] {
            try store.save(tensors: ["w": .init(shape: [1], values: [Float(step)])], metadata: Self.metadata(step))
        }
        #expect(store.steps() == [30, 20])
        let loaded = try #require(store.loadLatest { Issue.record("unexpected warning: \($0)") })
        #expect(loaded.metadata == Self.metadata(30) && loaded.tensors["w"]?.values == [30])
    }

    @Test func corruptNewestFallsBackWithAWarning() throws {
        let run = Self.temporaryRun()
        defer { try? FileManager.default.removeItem(at: run) }
        let store = CheckpointStore(runDirectory: run, keep: 3)
        for step in [1, 2] {
            try store.save(tensors: ["w": .init(shape: [2], values: [Float(step), 0])], metadata: Self.metadata(step))
        }
        // Truncate the newest tensor file, as a crash of the disk or a copy might.
        let newest = store.directory.appendingPathComponent("step-00000002.safetensors")
        let data = try Data(contentsOf: newest)
        try data.prefix(data.count - 4).write(to: newest)
        var warnings: [String] = []
        let loaded = try #require(store.loadLatest { warnings.append($0) })
        #expect(loaded.metadata.step == 1)
        #expect(warnings.count == 1 && warnings[0].contains("step-00000002") && warnings[0].contains("checksum"))
        // A flipped byte is caught too.
        var bytes = [UInt8](try Data(contentsOf: store.directory.appendingPathComponent("step-00000001.safetensors")))
        bytes[bytes.count - 1] ^= 0x40
        try Data(bytes).write(to: store.directory.appendingPathComponent("step-00000001.safetensors"))
        #expect(store.loadLatest { _ in } == nil)
    }

    @Test func crc32MatchesTheStandardCheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }
}
