import Foundation
import Testing

@testable import FlowTraining

/// Crafted files: every size, offset and path in them comes from whoever wrote the file, so each
/// must be a clear error naming the file and the problem, never a trap, a huge allocation or a
/// read outside the checkpoints folder. Inputs the fuzzers found (Fuzz/) are kept here too.
struct HostileFileTests {
    /// The message of the error `body` throws ("" and a recorded failure when it does not throw).
    private func message(_ body: () throws -> Void) -> String {
        do {
            try body()
            Issue.record("expected an error")
            return ""
        } catch {
            return "\(error)"
        }
    }

    // MARK: NPY

    static func npy(_ shape: String, descr: String = "<f4", payload: [UInt8] = Array(repeating: 0, count: 8)) -> Data {
        DataFileTests.npy(descr: descr, shape: shape, payload: payload)
    }

    @Test func npyNegativeDimensionIsAnError() {
        let text = message { _ = try NPYFile.parse(Self.npy("(-3, 2)"), file: "bad.npy") }
        #expect(text == "bad.npy: header shape [-3, 2]: dimension 0 is negative (-3) (dtype <f4)")
    }

    @Test func npyOverflowingShapeIsAnError() {
        let text = message { _ = try NPYFile.parse(Self.npy("(4611686018427387904, 4)"), file: "bad.npy") }
        #expect(text.hasPrefix("bad.npy: header shape [4611686018427387904, 4]: "), "\(text)")
        let limit = message { _ = try NPYFile.parse(Self.npy("(9223372036854775807, 9223372036854775807)"), file: "bad.npy") }
        #expect(limit.contains("the dimensions multiply to more than the limit of 17179869184 elements"), "\(limit)")
    }

    @Test func npyHeaderClaimingMoreDataThanTheFileHoldsIsAnError() {
        let text = message { _ = try NPYFile.parse(Self.npy("(1000, 1000)"), file: "big.npy") }
        #expect(text == "big.npy: header shape [1000, 1000]: needs 4000000 bytes of data (1000000 elements of 4 bytes), the file holds 8 (dtype <f4)")
    }

    @Test(arguments: [
        ("(3, abc)", "dimension 1 ('abc') is not an integer"),
        ("(2.5,)", "dimension 0 ('2.5') is not an integer"),
        ("(, 2)", "dimension 0 ('') is not an integer"),
        ("((2, 2), 2)", "is not an integer"),
        ("(99999999999999999999999,)", "dimension 0 (99999999999999999999999) is too large"),
        ("[2, 2]", "is not a tuple of integers"),
    ])
    func npyMalformedDimensionsAreNeverDropped(shape: String, reason: String) {
        let text = message { _ = try NPYFile.parse(Self.npy(shape), file: "bad.npy") }
        #expect(text.contains(reason), "\(text)")
    }

    @Test func npyHeaderLongerThanTheFileIsAnError() {
        var data = Self.npy("(2,)")
        data[8] = 0xFF
        data[9] = 0xFF
        #expect(message { _ = try NPYFile.parse(data, file: "t.npy") }.contains("truncated header"))
        var version = Self.npy("(2,)")
        version[6] = 9
        #expect(message { _ = try NPYFile.parse(version, file: "t.npy") } == "t.npy: .npy format version 9.0 is not supported (versions 1 to 3 are)")
    }

    @Test func npyValidShapesStillRead() throws {
        #expect(try NPYFile.parse(Self.npy("(2,)"), file: "ok.npy").shape == [2])
        #expect(try NPYFile.parse(Self.npy("( 1 , 2 )"), file: "ok.npy").shape == [1, 2])
        #expect(try NPYFile.parse(Self.npy("()", payload: [0, 0, 0x80, 0x3F]), file: "ok.npy") == ArrayData(shape: [], values: [1]))
        #expect(try NPYFile.parse(Self.npy("(0, 3)", payload: []), file: "ok.npy").values.isEmpty)
    }

    /// Inputs libFuzzer found against the parsers before shapes were checked (Fuzz/NPY,
    /// minimized): a negative dimension that reached `[Float](repeating:count:)`, and a shape
    /// product that overflowed while the descr was still unchecked.
    @Test(arguments: [
        "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5kZXIlJzogRixlECwgIC1hGQBsc2UwJywoM3NlLCAnc2hhcGUnOiAoMywsAAAAAAAAAAAAAAAAAAAAAAAsICAtMywsLCkgJ3NoYXBlJygzZSwhKCAAAABbW3JyYXk=",
        "k05VTVBZAQB2AHsnZGVzY3InOjMBAHNlLCB4KDNzZSwgJ3NoYXBlJzogKCxocyxwZSc6IChzZSdzaGFwZSc6ICgsaHMsMzNlJzogKDNzZSwgJ3NoYXBlJzogKCwBACwzMzMzMzMzMzMzMzMzMzMzLCA2NjY2NiwgJ3NoYXJyYXk=",
    ])
    func npyInputsTheFuzzerFoundAreErrors(base64: String) throws {
        let data = try #require(Data(base64Encoded: base64))
        #expect(throws: DataError.self) { _ = try NPYFile.parse(data, file: "fuzz.npy") }
    }

    // MARK: IDX

    /// Found by libFuzzer (Fuzz/IDX, minimized): two dimensions whose product overflowed.
    @Test func idxInputTheFuzzerFoundIsAnError() throws {
        let data = try #require(Data(base64Encoded: "AAAIAvQ0E/////8O"))
        #expect(message { _ = try IDXFile.parse(data, file: "fuzz.idx") }.hasPrefix("fuzz.idx: header shape [4097053695, 4294967054]: "))
    }

    static func idx(_ dimensions: [UInt32], payload: [UInt8] = []) -> Data {
        var bytes: [UInt8] = [0, 0, 8, UInt8(dimensions.count)]
        for dimension in dimensions { bytes += withUnsafeBytes(of: dimension.bigEndian) { Array($0) } }
        return Data(bytes + payload)
    }

    @Test func idxHugeDimensionCountIsAnError() {
        var bytes: [UInt8] = [0, 0, 8, 255]
        bytes += Array(repeating: 0, count: 40)
        #expect(
            message { _ = try IDXFile.parse(Data(bytes), file: "many.idx") }
                == "many.idx: truncated header: 255 dimensions need 1024 header bytes, the file has 44")
    }

    @Test func idxOverflowingShapeIsAnError() {
        let text = message { _ = try IDXFile.parse(Self.idx(Array(repeating: .max, count: 4)), file: "huge.idx") }
        #expect(text.hasPrefix("huge.idx: header shape [4294967295, 4294967295, 4294967295, 4294967295]: "), "\(text)")
        let claim = message { _ = try IDXFile.parse(Self.idx([60000, 28, 28], payload: [1, 2, 3]), file: "short.idx") }
        #expect(claim == "short.idx: header shape [60000, 28, 28]: needs 47040000 bytes of data (47040000 elements of 1 bytes), the file holds 3")
        #expect(message { _ = try IDXFile.parse(Self.idx([]), file: "zero.idx") } == "zero.idx: header declares 0 dimensions")
    }

    // MARK: CSV

    @Test func csvWideHeaderOverShortRowsIsAnErrorWithoutAHugeReservation() {
        // 100,000 column names over 100,000 one-value rows asked for 10¹⁰ floats (40 GB) up front.
        let text = String(repeating: "c,", count: 99_999) + "c\n" + String(repeating: "1\n", count: 100_000)
        #expect(message { _ = try CSVFile.parse(text, file: "wide.csv") } == "wide.csv: row 2 has 1 columns, expected 100000")
    }

    // MARK: safetensors

    static func safetensors(_ header: String, body: Int = 8) -> Data {
        let json = Data(header.utf8)
        var file = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(json)
        file.append(Data(count: body))
        return file
    }

    @Test(arguments: [
        (#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#, "tensor 'w' byte range [8, 12] lies outside the data section (8 bytes)"),
        (
            #"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#,
            "tensor 'w' has shape [4]: needs 16 bytes of data (4 elements of 4 bytes), the file holds 8"
        ),
        (#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}"#, "tensor 'w' byte range [-4, 0] lies outside the data section (8 bytes)"),
        (#"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, "tensor 'w' has shape [-1]: dimension 0 is negative (-1)"),
        (#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}"#, "tensor 'w' byte range [8, 4] ends before it begins"),
        (#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}}"#, "tensor 'w' byte range [0, 8] holds 8 bytes, shape [1] of F32 needs 4"),
        (#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0.5,4]}}"#, "the first data offset of tensor 'w' is not an integer: 0.5"),
        (#"{"w":{"dtype":"F32","shape":[1e300],"data_offsets":[0,4]}}"#, "a dimension of tensor 'w' is not an integer"),
        (
            #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
            "tensors 'a' [0, 8] and 'b' [4, 8] overlap"
        ),
        (#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, "duplicate key 'w'"),
        (#"{"__metadata__":{"step":3}}"#, "__metadata__ holds 3, not a string"),
        (#"{"w":{"dtype":"F32","shape":[1]}}"#, "tensor 'w' has a malformed header entry"),
        (#"[1]"#, "header is not a JSON object"),
        (#"{"w":"#, "header is not valid JSON"),
    ])
    func safetensorsHostileHeadersAreErrors(header: String, reason: String) {
        let text = message { _ = try SafeTensors.decode(Self.safetensors(header)) }
        #expect(text.contains(reason), "\(text)")
    }

    @Test func safetensorsHugeHeaderLengthIsAnError() {
        var file = Data()
        withUnsafeBytes(of: (UInt64(1) << 63).littleEndian) { file.append(contentsOf: $0) }
        file.append(Data("{}".utf8))
        #expect(message { _ = try SafeTensors.decode(file) }.contains("exceeds the file"))
    }

    @Test func safetensorsAdjacentAndEmptyTensorsAreFine() throws {
        let header =
            #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"#
            + #""e":{"dtype":"F32","shape":[0,3],"data_offsets":[4,4]}}"#
        let (tensors, _) = try SafeTensors.decode(Self.safetensors(header))
        #expect(tensors["a"]?.values == [0] && tensors["b"]?.values == [0] && tensors["e"]?.shape == [0, 3])
    }

    @Test func safetensorsDecodesASliceOfALargerBuffer() throws {
        // Data slices keep their parent's indices; the decoder must not assume they start at 0.
        let file = try SafeTensors.encode(["w": .init(shape: [2], values: [1, 2])])
        let padded = Data([9, 9, 9]) + file
        #expect(try SafeTensors.decode(padded.dropFirst(3)).tensors["w"]?.values == [1, 2])
    }

    // MARK: Checkpoint manifests

    static func manifestJSON(step: Int = 10, tensorsFile: String? = nil, bytes: String = "12", metadata: [String: String] = [:]) -> Data {
        var fields: [String: String] = [
            "format": "1", "step": "\(step)", "streams": "{}", "dataEpoch": "0", "dataOffset": "0", "learningRateFactor": "1",
            "nonFiniteStreak": "0", "stepsWithoutImprovement": "0", "parameterNames": "[]", "modelState": "{}",
        ]
        fields.merge(metadata) { $1 }
        let inner = fields.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ")
        let file = tensorsFile ?? String(format: "step-%08d.safetensors", step)
        return Data(#"{"metadata": {\#(inner)}, "tensorsFile": "\#(file)", "crc32": 0, "bytes": \#(bytes)}"#.utf8)
    }

    @Test func manifestWithADotDotPathIsAnError() {
        let text = message { _ = try CheckpointManifest.decode(Self.manifestJSON(tensorsFile: "../../outside.safetensors"), step: 10) }
        #expect(
            text
                == #"checkpoint manifest: 'tensorsFile' is "../../outside.safetensors", expected "step-00000010.safetensors" (the tensor file beside the manifest)"#
        )
        for name in ["/etc/passwd", "sub/step-00000010.safetensors", "step-00000009.safetensors", ".."] {
            #expect(throws: CheckpointManifest.Invalid.self) { _ = try CheckpointManifest.decode(Self.manifestJSON(tensorsFile: name), step: 10) }
        }
    }

    @Test(arguments: [
        (["dataOffset": "-5"], "'metadata.dataOffset' is negative (-5)"),
        (["dataEpoch": "-1"], "'metadata.dataEpoch' is negative (-1)"),
        (["nonFiniteStreak": "-1"], "'metadata.nonFiniteStreak' is negative (-1)"),
        (["learningRateFactor": "1e300"], "'metadata.learningRateFactor' 1e+300 is outside 0...1"),
        (["bestStep": "11"], "'metadata.bestStep' 11 is outside 0...10"),
        (["format": "2"], "format 2 is not 1"),
        (["dataOffset": "1e30"], "'metadata.dataOffset' is not an integer in range: 1e+30"),
        (["dataEpoch": "2.5"], "'metadata.dataEpoch' is not an integer in range: 2.5"),
        (["step": "3"], "'metadata.step' is 3, the file name says 10"),
    ])
    func manifestWithHostileNumbersIsAnError(metadata: [String: String], reason: String) {
        let text = message { _ = try CheckpointManifest.decode(Self.manifestJSON(metadata: metadata), step: 10) }
        #expect(text.contains(reason), "\(text)")
    }

    @Test func manifestWithHugeOrNegativeBytesIsAnError() {
        #expect(message { _ = try CheckpointManifest.decode(Self.manifestJSON(bytes: "-1"), step: 10) } == "checkpoint manifest: 'bytes' is negative (-1)")
        #expect(message { _ = try CheckpointManifest.decode(Self.manifestJSON(bytes: "1e30"), step: 10) }.contains("bytes"))
        #expect(message { _ = try CheckpointManifest.decode(Self.manifestJSON(step: -1), step: -1) }.contains("outside 0..."))
    }

    @Test func storeNeverReadsOutsideTheCheckpointsFolder() throws {
        let run = CheckpointStoreTests.temporaryRun()
        defer { try? FileManager.default.removeItem(at: run) }
        let store = CheckpointStore(runDirectory: run, keep: 3)
        try store.save(tensors: ["w": .init(shape: [1], values: [1])], metadata: CheckpointStoreTests.metadata(1))
        // A valid tensor file outside the folder, named by a crafted newer manifest.
        let outside = run.appendingPathComponent("outside.safetensors")
        let tensors = try SafeTensors.encode(["w": .init(shape: [1], values: [666])])
        try tensors.write(to: outside)
        let crafted = String(decoding: Self.manifestJSON(step: 2, tensorsFile: "../outside.safetensors", bytes: "\(tensors.count)"), as: UTF8.self)
            .replacingOccurrences(of: "\"crc32\": 0", with: "\"crc32\": \(CRC32.checksum(tensors))")
        try Data(crafted.utf8).write(to: store.directory.appendingPathComponent("step-00000002.json"))
        // Names the writer never produces are not checkpoints at all.
        try Data("{}".utf8).write(to: store.directory.appendingPathComponent("step--5.json"))
        try Data("{}".utf8).write(to: store.directory.appendingPathComponent("step-99999999999999999999.json"))
        #expect(store.steps() == [2, 1])
        var warnings: [String] = []
        let loaded = try #require(store.loadLatest { warnings.append($0) })
        #expect(loaded.metadata.step == 1 && loaded.tensors["w"]?.values == [1])
        #expect(warnings.count == 1 && warnings[0].contains("step-00000002") && warnings[0].contains("tensorsFile"), "\(warnings)")
    }

    @Test func bestManifestWithHostileNumbersIsAnError() {
        let negative = Data(#"{"step": -4, "validationNLL": 1, "modelState": {}}"#.utf8)
        #expect(message { _ = try BestManifest.decode(negative) } == "checkpoint manifest: best.json: 'step' -4 is outside 0...1000000000")
        let size = Data(#"{"step": 4, "validationNLL": 1, "modelState": {}, "tensorsBytes": -1, "tensorsCRC32": 1}"#.utf8)
        #expect(message { _ = try BestManifest.decode(size) } == "checkpoint manifest: best.json: 'tensorsBytes' is negative (-1)")
        let huge = Data(#"{"step": 1e40, "validationNLL": 1, "modelState": {}}"#.utf8)
        #expect(message { _ = try BestManifest.decode(huge) } == "checkpoint manifest: best.json: 'step' is not an integer in range: 1e+40")
    }
}
