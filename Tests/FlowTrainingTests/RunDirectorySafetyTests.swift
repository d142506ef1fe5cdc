import Foundation
import Synchronization
import Testing

@testable import FlowTraining

/// The run directory's guarantees: one trainer at a time (the lock), errors that name the path
/// and the cause, non-finite metrics written as valid JSON, and a best model that is read whole
/// or not at all.
struct RunDirectorySafetyTests {
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("flowkit-safety-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func aSecondLockFailsAtOnceNamingTheHolder() throws {
        let base = try Self.folder()
        defer { try? FileManager.default.removeItem(at: base) }
        let run = RunDirectory(base.appendingPathComponent("run").path)
        var first: RunLock? = try RunLock(run)
        do {
            _ = try RunLock(run)
            Issue.record("a second lock on the same run directory was granted")
        } catch let error as RunLock.Held {
            #expect(error.holder == getpid())
            #expect("\(error)".contains("is in use by another flowkit process (pid \(getpid()))"))
        }
        first = nil
        #expect(first == nil)
        #expect(throws: Never.self) { _ = try RunLock(run) }  // released with its holder
    }

    /// Many threads race for one directory's lock: exactly one wins while the winners hold on.
    @Test func concurrentLockersGetExactlyOneLock() throws {
        let base = try Self.folder()
        defer { try? FileManager.default.removeItem(at: base) }
        let run = RunDirectory(base.appendingPathComponent("contested").path)
        let winners = Mutex<[RunLock]>([])
        let refusals = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            if let lock = try? RunLock(run) {
                winners.withLock { $0.append(lock) }
            } else {
                refusals.add(1, ordering: .relaxed)
            }
        }
        #expect(winners.withLock { $0.count } == 1)
        #expect(refusals.load(ordering: .relaxed) == 15)
    }

    @Test func abandoningAFreshLockLeavesNothingBehind() throws {
        let base = try Self.folder()
        defer { try? FileManager.default.removeItem(at: base) }
        let run = RunDirectory(base.appendingPathComponent("fresh").path)
        try RunLock(run).abandon()
        #expect(!FileManager.default.fileExists(atPath: run.url.path))
        // An existing directory is never removed.
        try FileManager.default.createDirectory(at: run.url, withIntermediateDirectories: true)
        try RunLock(run).abandon()
        #expect(FileManager.default.fileExists(atPath: run.url.path))
    }

    @Test func fileErrorsNameThePathAndTheCause() throws {
        let base = try Self.folder()
        defer { try? FileManager.default.removeItem(at: base) }
        let file = base.appendingPathComponent("a-file")
        try Data("x".utf8).write(to: file)
        func message(_ body: () throws -> Void) -> String {
            do {
                try body()
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        #expect(message { try AtomicFile.write(Data(), to: base) } == "cannot write \(base.path): it is a folder, not a file; give the path of a file")
        let missing = base.appendingPathComponent("missing/out.csv")
        #expect(message { try AtomicFile.write(Data(), to: missing) }.contains("cannot write \(missing.path): the folder \(base.path)/missing does not exist"))
        let underFile = file.appendingPathComponent("out.csv")
        #expect(message { try AtomicFile.write(Data(), to: underFile) }.contains("cannot write \(underFile.path)"))
        #expect(
            message { try FileAccess.makeFolder(file.appendingPathComponent("run").path, what: "run directory") }
                == "cannot create the run directory \(file.path)/run: \(file.path) exists and is a file, not a folder; choose another path or remove that file")
        #expect(
            message { _ = try FileAccess.read(base.path, what: "config file") }
                == "cannot read the config file \(base.path): it is a folder, not a file; give the path of a file")
        #expect(message { _ = try FileAccess.read(base.appendingPathComponent("nope").path) }.contains("does not exist"))
        // Nothing half-written is left behind by a failed write.
        #expect(try FileManager.default.contentsOfDirectory(atPath: base.path) == ["a-file"])
    }

    @Test func nonFiniteMetricsAreNullWithAFlag() throws {
        let line = try MetricRecord.encode(["a": .number(.infinity), "b": .number(-.infinity), "c": .number(.nan), "d": .number(1.5)])
        let object = try #require(JSONSerialization.jsonObject(with: line) as? [String: Any])
        #expect(object["a"] is NSNull && object["b"] is NSNull && object["c"] is NSNull)
        #expect(object["d"] as? Double == 1.5)
        #expect(object["nonFinite"] as? [String: String] == ["a": "inf", "b": "-inf", "c": "nan"])
        #expect(try MetricRecord.encode(["d": .number(2)]) == Data(#"{"d":2}"#.utf8))
    }

    /// A torn or corrupt best model is refused by name (the caller then falls back to the newest
    /// checkpoint); an intact one reads back exactly.
    @Test func aCorruptBestModelIsReportedAndSkipped() throws {
        let base = try Self.folder()
        defer { try? FileManager.default.removeItem(at: base) }
        let run = RunDirectory(base.path)
        let tensors = try SafeTensors.encode(["w": .init(shape: [2], values: [1, 2])])
        try BestModelFile.write(run, tensors: tensors, step: 7, validationNLL: 1.25, modelState: [:])
        let warnings = Mutex<[String]>([])
        let intact = try #require(BestModelFile.read(run) { message in warnings.withLock { $0.append(message) } })
        #expect(intact.manifest.step == 7 && intact.tensors["w"]?.values == [1, 2])
        var bytes = tensors
        bytes[bytes.count - 1] ^= 0xFF
        try bytes.write(to: run.bestModel)
        #expect(BestModelFile.read(run) { message in warnings.withLock { $0.append(message) } } == nil)
        let warning = try #require(warnings.withLock { $0.first })
        #expect(warning.contains("the best model \(run.bestModel.path) is unusable") && warning.contains("checksum"), "\(warning)")
    }

    /// Hostile shapes in a safetensors header are errors, not traps.
    @Test(arguments: ["[-1]", "[4611686018427387904, 4]", "[1000000000]"])
    func hostileSafetensorsShapesAreErrors(shape: String) throws {
        let header = Data(#"{"w":{"dtype":"F32","shape":\#(shape),"data_offsets":[0,8]}}"#.utf8)
        var file = Data()
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(header)
        file.append(Data(count: 8))
        #expect(throws: SafeTensors.FormatError.self) { _ = try SafeTensors.decode(file) }
    }

    @Test func progressUsesSixtyFourBitSteps() {
        let lines = Mutex<[String]>([])
        let progress = Progress(total: 3_000_000_000, interactive: false) { line in lines.withLock { $0.append(line) } }
        progress.update(step: 1, loss: .infinity, bitsPerDim: nil)
        let line = lines.withLock { $0.first } ?? ""
        #expect(line.hasPrefix("step 1/3000000000 "), "\(line)")
        #expect(line.contains("loss inf"))
        #expect(Progress.duration(9e18) == "> 1 year" && Progress.duration(.nan) == "> 1 year" && Progress.duration(61) == "1m01s")
    }
}
