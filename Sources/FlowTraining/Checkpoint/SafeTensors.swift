import FlowRuntime
import Foundation

/// The safetensors format (huggingface/safetensors): an 8-byte little-endian header length, a
/// JSON header mapping each tensor name to its dtype, shape and byte range, then the raw
/// little-endian data. flowkit writes float32 ("F32") tensors and string metadata, so PyTorch,
/// NumPy and other tools can read its weights.
public enum SafeTensors {
    public struct Entry: Equatable, Sendable {
        public var shape: [Int]
        public var values: [Float]

        public init(shape: [Int], values: [Float]) {
            self.shape = shape
            self.values = values
        }
    }

    public struct FormatError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { "safetensors: \(message)" }
    }

    /// Serialises tensors (written in name order, so the bytes are deterministic) and metadata.
    public static func encode(_ tensors: [String: Entry], metadata: [String: String] = [:]) throws -> Data {
        var header: [String: Any] = [:]
        var offset = 0
        let sorted = tensors.sorted { $0.key < $1.key }
        for (name, entry) in sorted {
            guard entry.shape.reduce(1, *) == entry.values.count else {
                throw FormatError(message: "tensor '\(name)' has \(entry.values.count) values for shape \(entry.shape)")
            }
            let bytes = entry.values.count * 4
            header[name] = ["dtype": "F32", "shape": entry.shape, "data_offsets": [offset, offset + bytes]]
            offset += bytes
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
        while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }
        var data = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for (_, entry) in sorted {
            entry.values.withUnsafeBufferPointer { buffer in
                for value in buffer { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            }
        }
        return data
    }

    /// The longest header accepted, as in the reference reader: a real header lists names,
    /// shapes and offsets, so this is thousands of tensors; a larger one is hostile or corrupt.
    public static let maximumHeaderBytes = 100 << 20

    /// Parses a safetensors file; every F32 tensor is returned. Errors name what is wrong.
    /// Everything in the header comes from the file, so each size is checked before use: the
    /// header length against the file, each shape (`CheckedShape`), each byte range against the
    /// data section and the shape, and the ranges against each other (no two may overlap).
    public static func decode(_ data: Data) throws -> (tensors: [String: Entry], metadata: [String: String]) {
        guard data.count >= 8 else { throw FormatError(message: "file of \(data.count) bytes has no header length") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(data.count - 8) else {
            throw FormatError(message: "header length \(headerLength) exceeds the file (\(data.count) bytes): truncated?")
        }
        guard headerLength <= UInt64(maximumHeaderBytes) else {
            throw FormatError(message: "header length \(headerLength) is over the limit of \(maximumHeaderBytes) bytes")
        }
        let headerEnd = data.startIndex + 8 + Int(headerLength)
        // StrictJSON rather than JSONSerialization: numbers stay Doubles that are checked before
        // any conversion, a duplicate tensor name is an error, and nesting is bounded.
        let header: [String: JSONValue]
        do {
            guard case let .object(object) = try StrictJSON.parse(data[(data.startIndex + 8)..<headerEnd]) else {
                throw FormatError(message: "header is not a JSON object")
            }
            header = object
        } catch let error as StrictJSON.SyntaxError {
            throw FormatError(message: "header is not valid JSON (\(error))")
        }
        let body = data[headerEnd...]
        var tensors: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        var ranges: [(name: String, range: Range<Int>)] = []
        for (name, value) in header.sorted(by: { $0.key < $1.key }) {
            if name == "__metadata__" {
                metadata = try strings(value)
                continue
            }
            guard case let .object(info) = value, case let .string(dtype)? = info["dtype"],
                case let .array(shapeValues)? = info["shape"], case let .array(offsetValues)? = info["data_offsets"],
                offsetValues.count == 2
            else { throw FormatError(message: "tensor '\(name)' has a malformed header entry (needs dtype, shape and two data_offsets)") }
            guard dtype == "F32" else { throw FormatError(message: "tensor '\(name)' has dtype \(dtype); flowkit reads F32") }
            let shape = try shapeValues.map { try integer($0, what: "a dimension of tensor '\(name)'") }
            let begin = try integer(offsetValues[0], what: "the first data offset of tensor '\(name)'")
            let end = try integer(offsetValues[1], what: "the second data offset of tensor '\(name)'")
            let byteCount: Int
            do {
                byteCount = try CheckedShape(shape).bytes(elementSize: 4, available: body.count)
            } catch {
                throw FormatError(message: "tensor '\(name)' has \(error.description)")
            }
            guard begin <= end else {
                throw FormatError(message: "tensor '\(name)' byte range [\(begin), \(end)] ends before it begins")
            }
            guard begin >= 0, end <= body.count else {
                throw FormatError(message: "tensor '\(name)' byte range [\(begin), \(end)] lies outside the data section (\(body.count) bytes)")
            }
            guard end - begin == byteCount else {
                throw FormatError(
                    message: "tensor '\(name)' byte range [\(begin), \(end)] holds \(end - begin) bytes, shape \(shape) of F32 needs \(byteCount)")
            }
            ranges.append((name, begin..<end))
            var values = [Float](repeating: 0, count: byteCount / 4)
            body.withUnsafeBytes { raw in
                for index in values.indices {
                    let bits = raw.loadUnaligned(fromByteOffset: begin + index * 4, as: UInt32.self)
                    values[index] = Float(bitPattern: UInt32(littleEndian: bits))
                }
            }
            tensors[name] = Entry(shape: shape, values: values)
        }
        // Two tensors sharing bytes is how a crafted file aliases one tensor as another.
        let ordered = ranges.filter { !$0.range.isEmpty }.sorted { $0.range.lowerBound < $1.range.lowerBound }
        for (previous, next) in zip(ordered, ordered.dropFirst()) where next.range.lowerBound < previous.range.upperBound {
            throw FormatError(
                message: "tensors '\(previous.name)' [\(previous.range.lowerBound), \(previous.range.upperBound)] and "
                    + "'\(next.name)' [\(next.range.lowerBound), \(next.range.upperBound)] overlap")
        }
        return (tensors, metadata)
    }

    /// A header number that must be an integer (a dimension or an offset): whole and in range
    /// before it is converted, since `Int(_:)` traps on a fraction's overflow or a NaN.
    private static func integer(_ value: JSONValue, what: String) throws -> Int {
        guard case let .number(number) = value, number == number.rounded(), abs(number) < 0x1p63 else {
            throw FormatError(message: "\(what) is not an integer: \(value.summary)")
        }
        return Int(number)
    }

    /// `__metadata__`: an object of strings, as the format defines it.
    private static func strings(_ value: JSONValue) throws -> [String: String] {
        guard case let .object(object) = value else { throw FormatError(message: "__metadata__ is not an object of strings") }
        return try object.mapValues { item in
            guard case let .string(text) = item else { throw FormatError(message: "__metadata__ holds \(item.summary), not a string") }
            return text
        }
    }
}
