import Foundation
import Testing

@testable import FlowTraining

struct SafeTensorsTests {
    @Test func roundTripKeepsNamesShapesValuesAndMetadata() throws {
        let tensors: [String: SafeTensors.Entry] = [
            "flow.coupling0.net.layer0.weight": .init(shape: [2, 3], values: [1, -2, 3.5, .leastNonzeroMagnitude, -0.0, 1e30]),
            "flow.coupling0.net.layer0.bias": .init(shape: [2], values: [0.25, -7]),
            "scalar": .init(shape: [], values: [42]),
        ]
        let data = try SafeTensors.encode(tensors, metadata: ["format": "flowkit", "step": "12"])
        let (decoded, metadata) = try SafeTensors.decode(data)
        #expect(decoded == tensors)
        #expect(metadata == ["format": "flowkit", "step": "12"])
        // The data section starts 8-byte aligned, as the reference implementation writes it.
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect((8 + headerLength) % 8 == 0)
    }

    @Test func encodingIsDeterministic() throws {
        let tensors: [String: SafeTensors.Entry] = ["b": .init(shape: [1], values: [1]), "a": .init(shape: [1], values: [2])]
        #expect(try SafeTensors.encode(tensors) == SafeTensors.encode(tensors))
    }

    @Test func truncatedFileIsRejectedWithAReason() throws {
        let data = try SafeTensors.encode(["w": .init(shape: [4], values: [1, 2, 3, 4])])
        #expect(throws: SafeTensors.FormatError.self) { try SafeTensors.decode(data.prefix(data.count - 3)) }
        #expect(throws: SafeTensors.FormatError.self) { try SafeTensors.decode(data.prefix(5)) }
    }

    @Test func readsTheReferenceLayoutByteForByte() throws {
        // Built by hand from the format description: header {"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}.
        let header = #"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        var data = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: Array(header.utf8))
        for value: Float in [1.5, -2] { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        let (tensors, _) = try SafeTensors.decode(data)
        #expect(tensors["x"] == SafeTensors.Entry(shape: [2], values: [1.5, -2]))
    }
}
