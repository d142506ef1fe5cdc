import FlowRuntime
import Foundation

/// NumPy `.npy` arrays (format versions 1–3): little-endian float32/float64 and integer dtypes,
/// C order. Values are converted to Float; non-finite floats are rejected with their index.
public enum NPYFile {
    public static func read(_ path: String) throws -> ArrayData {
        let data = try DataError.contents(of: path)
        return try parse(data, file: path)
    }

    /// Every size comes from the file, so each is checked before it is used: the format version,
    /// the header length against the file, each dimension (an integer, non-negative), the
    /// element count (overflow-checked, capped) and the data bytes against what the file holds.
    public static func parse(_ data: Data, file: String) throws -> ArrayData {
        let bytes = [UInt8](data)
        guard bytes.count >= 10, Array(bytes[0..<6]) == [0x93] + Array("NUMPY".utf8) else {
            throw DataError(file: file, "is not a .npy file (bad magic)")
        }
        let major = bytes[6]
        guard (1...3).contains(major) else {
            throw DataError(file: file, ".npy format version \(major).\(bytes[7]) is not supported (versions 1 to 3 are)")
        }
        let lengthBytes = major == 1 ? 2 : 4
        guard bytes.count >= 8 + lengthBytes else { throw DataError(file: file, "truncated header") }
        // At most 2³² − 1 (four bytes), so the sum below cannot overflow.
        let headerLength = (0..<lengthBytes).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
        let dataStart = 8 + lengthBytes + headerLength
        guard dataStart <= bytes.count else {
            throw DataError(file: file, "truncated header: it claims \(headerLength) bytes, the file holds \(bytes.count - 8 - lengthBytes) after the length")
        }
        guard let header = String(bytes: bytes[(8 + lengthBytes)..<dataStart], encoding: .utf8) else {
            throw DataError(file: file, "the header is not UTF-8 text")
        }
        guard let descr = value(of: "descr", in: header)?.trimmingCharacters(in: CharacterSet(charactersIn: "'\"")),
            let shapeText = value(of: "shape", in: header)
        else {
            // The header is the file's to choose: quote only its beginning.
            let shown = header.count > 200 ? String(header.prefix(200)) + "…" : header
            throw DataError(file: file, "header lacks descr or shape: \(shown)")
        }
        if value(of: "fortran_order", in: header) == "True" {
            throw DataError(file: file, "Fortran-ordered arrays are not supported; save with np.ascontiguousarray")
        }
        let dimensions = try shape(shapeText, file: file)
        let (size, convert) = try converter(descr, file: file)
        let count: Int
        do {
            let checked = try CheckedShape(dimensions)
            _ = try checked.bytes(elementSize: size, available: bytes.count - dataStart)
            count = checked.count
        } catch {
            throw DataError(file: file, "header \(error.description) (dtype \(descr))")
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
        return ArrayData(shape: dimensions, values: values)
    }

    /// The dimensions of a shape tuple such as `(3, 2)`, `(5,)` or `()`; anything else (a
    /// dimension that is not a decimal integer, nested tuples, an empty slot) is an error, so a
    /// malformed dimension is never silently dropped.
    private static func shape(_ text: String, file: String) throws -> [Int] {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("("), trimmed.hasSuffix(")"), trimmed.count >= 2 else {
            throw DataError(file: file, "header shape \(text) is not a tuple of integers")
        }
        let inner = trimmed.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
        if inner.isEmpty { return [] }
        var items = inner.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        // A trailing comma, as in `(5,)`, leaves one empty item at the end.
        if items.count >= 2, items.last?.isEmpty == true { items.removeLast() }
        return try items.enumerated().map { axis, item in
            // Int(_:) accepts a sign; digits only (optionally after '-', reported as negative below).
            let digits = item.hasPrefix("-") ? item.dropFirst() : Substring(item)
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw DataError(file: file, "header shape \(text): dimension \(axis) ('\(item)') is not an integer")
            }
            guard let dimension = Int(item) else {
                throw DataError(file: file, "header shape \(text): dimension \(axis) (\(item)) is too large")
            }
            return dimension
        }
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
