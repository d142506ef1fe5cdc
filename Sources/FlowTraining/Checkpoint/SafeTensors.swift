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

    /// Parses a safetensors file; every F32 tensor is returned. Errors name what is wrong.
    public static func decode(_ data: Data) throws -> (tensors: [String: Entry], metadata: [String: String]) {
        guard data.count >= 8 else { throw FormatError(message: "file of \(data.count) bytes has no header length") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(data.count - 8) else {
            throw FormatError(message: "header length \(headerLength) exceeds the file (\(data.count) bytes): truncated?")
        }
        let headerEnd = 8 + Int(headerLength)
        let json = data.subdata(in: 8..<headerEnd)
        guard let header = try? JSONSerialization.jsonObject(with: json) as? [String: Any] else {
            throw FormatError(message: "header is not a JSON object")
        }
        let body = data.subdata(in: headerEnd..<data.count)
        var tensors: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                metadata = value as? [String: String] ?? [:]
                continue
            }
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int], offsets.count == 2
            else { throw FormatError(message: "tensor '\(name)' has a malformed header entry") }
            guard dtype == "F32" else { throw FormatError(message: "tensor '\(name)' has dtype \(dtype); flowkit reads F32") }
            // Sizes come from the file: negative dimensions and overflowing products are errors, not traps.
            var count = 1
            for dimension in shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
                guard dimension >= 0, !overflow, product <= body.count / 4 else {
                    throw FormatError(message: "tensor '\(name)' has shape \(shape), which does not fit the file")
                }
                count = product
            }
            guard offsets[0] >= 0, offsets[0] <= body.count, offsets[1] == offsets[0] + count * 4, offsets[1] <= body.count else {
                throw FormatError(message: "tensor '\(name)' byte range \(offsets) does not fit shape \(shape) and the file")
            }
            var values = [Float](repeating: 0, count: count)
            body.withUnsafeBytes { raw in
                for index in 0..<count {
                    let bits = raw.loadUnaligned(fromByteOffset: offsets[0] + index * 4, as: UInt32.self)
                    values[index] = Float(bitPattern: UInt32(littleEndian: bits))
                }
            }
            tensors[name] = Entry(shape: shape, values: values)
        }
        return (tensors, metadata)
    }
}
