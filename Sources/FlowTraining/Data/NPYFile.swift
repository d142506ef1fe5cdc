import Foundation

/// NumPy `.npy` arrays (format versions 1–3): little-endian float32/float64 and integer dtypes,
/// C order. Values are converted to Float; non-finite floats are rejected with their index.
public enum NPYFile {
    public static func read(_ path: String) throws -> ArrayData {
        let data = try DataError.contents(of: path)
        return try parse(data, file: path)
    }

    public static func parse(_ data: Data, file: String) throws -> ArrayData {
        let bytes = [UInt8](data)
        guard bytes.count >= 10, Array(bytes[0..<6]) == [0x93] + Array("NUMPY".utf8) else {
            throw DataError(file: file, "is not a .npy file (bad magic)")
        }
        let major = bytes[6]
        let lengthBytes = major == 1 ? 2 : 4
        guard bytes.count >= 8 + lengthBytes else { throw DataError(file: file, "truncated header") }
        let headerLength = (0..<lengthBytes).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
        let dataStart = 8 + lengthBytes + headerLength
        guard dataStart <= bytes.count, let header = String(bytes: bytes[(8 + lengthBytes)..<dataStart], encoding: .utf8) else {
            throw DataError(file: file, "truncated or unreadable header")
        }
        guard let descr = value(of: "descr", in: header)?.trimmingCharacters(in: CharacterSet(charactersIn: "'\"")),
            let shapeText = value(of: "shape", in: header)
        else { throw DataError(file: file, "header lacks descr or shape: \(header)") }
        if value(of: "fortran_order", in: header) == "True" {
            throw DataError(file: file, "Fortran-ordered arrays are not supported; save with np.ascontiguousarray")
        }
        let shape = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "()")).split(separator: ",")
            .compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let count = shape.reduce(1, *)
        let (size, convert) = try converter(descr, file: file)
        guard bytes.count - dataStart >= count * size else {
            throw DataError(file: file, "holds \(bytes.count - dataStart) data bytes, shape \(shape) of \(descr) needs \(count * size)")
        }
        var values = [Float](repeating: 0, count: count)
        try bytes.withUnsafeBytes { raw in
            for index in 0..<count {
                let value = convert(raw, dataStart + index * size)
                guard value.isFinite else {
                    throw DataError(file: file, "element \(index) (flat index) is not finite: \(value)")
                }
                values[index] = value
            }
        }
        return ArrayData(shape: shape, values: values)
    }

    /// The text of `'key': value` in the header dict (up to the next top-level comma).
    private static func value(of key: String, in header: String) -> String? {
        guard let range = header.range(of: "'\(key)':") else { return nil }
        var depth = 0
        var result = ""
        for character in header[range.upperBound...] {
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            if (character == "," && depth == 0) || character == "}" { break }
            result.append(character)
        }
        return result.trimmingCharacters(in: .whitespaces)
    }

    private static func converter(_ descr: String, file: String) throws -> (Int, (UnsafeRawBufferPointer, Int) -> Float) {
        switch descr {
        case "<f4", "=f4": return (4, { Float(bitPattern: UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: $1, as: UInt32.self))) })
        case "<f8", "=f8": return (8, { Float(Double(bitPattern: UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: $1, as: UInt64.self)))) })
        case "|u1", "<u1": return (1, { Float($0[$1]) })
        case "|i1", "<i1": return (1, { Float(Int8(bitPattern: $0[$1])) })
        case "<i4": return (4, { Float(Int32(littleEndian: $0.loadUnaligned(fromByteOffset: $1, as: Int32.self))) })
        case "<i8": return (8, { Float(Int64(littleEndian: $0.loadUnaligned(fromByteOffset: $1, as: Int64.self))) })
        default: throw DataError(file: file, "dtype \(descr) is not supported (use float32, float64, uint8, int8, int32 or int64, little-endian)")
        }
    }
}

extension NPYFile {
    /// A little-endian float32 `.npy` (format 1.0) of the given shape.
    public static func encode(shape: [Int], values: [Float]) -> Data {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        // Pad so the data starts on a 64-byte boundary, as NumPy does.
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        data.append(contentsOf: Array(header.utf8))
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }
}
