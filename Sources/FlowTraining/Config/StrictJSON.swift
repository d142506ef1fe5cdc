import Foundation

/// A strict JSON parser for configs and other files people write by hand. Foundation's parsers
/// report a syntax error as a byte offset ("around character 17") and keep the first or the
/// last of two equal keys without a word; a config is edited by hand, so errors here give the
/// line and column, and a duplicate key is an error naming the key. Nesting is bounded so a
/// hostile file cannot exhaust the stack.
public enum StrictJSON {
    public struct SyntaxError: Error, CustomStringConvertible, Equatable {
        public let line: Int
        public let column: Int
        public let message: String

        public var description: String { "line \(line), column \(column): \(message)" }
    }

    /// Deeper nesting than any config needs, shallow enough for any thread's stack.
    public static let maximumDepth = 256

    public static func parse(_ data: Data) throws -> JSONValue {
        var parser = Parser(bytes: Array(data))
        parser.skipByteOrderMark()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.atEnd else { throw parser.error("unexpected \(parser.describeNext()) after the end of the document") }
        return value
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        var atEnd: Bool { index >= bytes.count }

        mutating func skipByteOrderMark() {
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        }

        /// Line and column (1-based, columns in characters) of the current position.
        func error(_ message: String) -> SyntaxError {
            let before = bytes[..<min(index, bytes.count)]
            let line = before.reduce(1) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
            let lineStart = before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
            // Count characters, not bytes: continuation bytes (10xxxxxx) do not start one.
            let column = 1 + bytes[lineStart..<min(index, bytes.count)].filter { $0 & 0xC0 != 0x80 }.count
            return SyntaxError(line: line, column: column, message: message)
        }

        func describeNext() -> String {
            guard !atEnd else { return "end of file" }
            let byte = bytes[index]
            if byte >= 0x20 && byte < 0x7F { return "character '\(Character(Unicode.Scalar(byte)))'" }
            return String(format: "byte 0x%02X", byte)
        }

        mutating func skipWhitespace() {
            while !atEnd, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func value(depth: Int) throws -> JSONValue {
            skipWhitespace()
            guard !atEnd else { throw error("unexpected end of file, expected a value") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try object(depth: depth + 1)
            case UInt8(ascii: "["): return try array(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "n"): return try literal("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default: throw error("unexpected \(describeNext()), expected a value")
            }
        }

        mutating func literal(_ word: String, _ result: JSONValue) throws -> JSONValue {
            let expected = Array(word.utf8)
            guard bytes.count - index >= expected.count, Array(bytes[index..<(index + expected.count)]) == expected else {
                throw error("unexpected \(describeNext()), expected a value (did you mean '\(word)'?)")
            }
            index += expected.count
            return result
        }

        mutating func object(depth: Int) throws -> JSONValue {
            guard depth <= StrictJSON.maximumDepth else { throw error("nested deeper than \(StrictJSON.maximumDepth) levels") }
            index += 1
            var members: [String: JSONValue] = [:]
            skipWhitespace()
            if !atEnd, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard !atEnd, bytes[index] == UInt8(ascii: "\"") else {
                    throw error("unexpected \(describeNext()), expected a key in double quotes")
                }
                let keyPosition = index
                let key = try string()
                guard members[key] == nil else {
                    index = keyPosition
                    throw error("duplicate key '\(key)' (each key may appear once in an object)")
                }
                try expect(":", "after the key '\(key)'")
                members[key] = try value(depth: depth)
                skipWhitespace()
                guard !atEnd else { throw error("unexpected end of file, expected ',' or '}'") }
                if bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return .object(members)
                }
                try expect(",", "between members (or '}' to close the object)")
            }
        }

        mutating func array(depth: Int) throws -> JSONValue {
            guard depth <= StrictJSON.maximumDepth else { throw error("nested deeper than \(StrictJSON.maximumDepth) levels") }
            index += 1
            var elements: [JSONValue] = []
            skipWhitespace()
            if !atEnd, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            while true {
                elements.append(try value(depth: depth))
                skipWhitespace()
                guard !atEnd else { throw error("unexpected end of file, expected ',' or ']'") }
                if bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return .array(elements)
                }
                try expect(",", "between elements (or ']' to close the array)")
            }
        }

        mutating func expect(_ character: Character, _ context: String) throws {
            skipWhitespace()
            guard !atEnd, let ascii = character.asciiValue, bytes[index] == ascii else {
                throw error("unexpected \(describeNext()), expected '\(character)' \(context)")
            }
            index += 1
        }

        /// A number in JSON's grammar (no leading zeros, no '+', no bare '.'), as a Double.
        mutating func number() throws -> Double {
            let start = index
            func digits() -> Int {
                let first = index
                while !atEnd, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
                return index - first
            }
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            let integerStart = index
            let integerDigits = digits()
            guard integerDigits > 0 else { throw error("expected a digit after '-'") }
            if integerDigits > 1, bytes[integerStart] == UInt8(ascii: "0") {
                index = integerStart
                throw error("numbers may not have leading zeros")
            }
            if !atEnd, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard digits() > 0 else { throw error("expected a digit after the decimal point") }
            }
            if !atEnd, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if !atEnd, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard digits() > 0 else { throw error("expected a digit in the exponent") }
            }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            guard let value = Double(text), value.isFinite else {
                index = start
                throw error("the number \(text) is out of range")
            }
            return value
        }

        mutating func string() throws -> String {
            index += 1
            var scalars = String.UnicodeScalarView()
            var run: [UInt8] = []
            func flush() throws {
                guard !run.isEmpty else { return }
                guard let text = String(validating: run, as: UTF8.self) else { throw error("the string is not valid UTF-8") }
                scalars.append(contentsOf: text.unicodeScalars)
                run.removeAll(keepingCapacity: true)
            }
            while true {
                guard !atEnd else { throw error("unexpected end of file inside a string (missing closing '\"')") }
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    try flush()
                    return String(scalars)
                }
                if byte < 0x20 { throw error("control character \(String(format: "0x%02X", byte)) inside a string (write it as an escape)") }
                if byte == UInt8(ascii: "\\") {
                    try flush()
                    scalars.append(try escape())
                    continue
                }
                run.append(byte)
                index += 1
            }
        }

        /// One escape sequence, the backslash at `index`; surrogate pairs are joined.
        mutating func escape() throws -> Unicode.Scalar {
            index += 1
            guard !atEnd else { throw error("unexpected end of file in an escape sequence") }
            let letter = bytes[index]
            index += 1
            switch letter {
            case UInt8(ascii: "\""): return "\""
            case UInt8(ascii: "\\"): return "\\"
            case UInt8(ascii: "/"): return "/"
            case UInt8(ascii: "b"): return "\u{08}"
            case UInt8(ascii: "f"): return "\u{0C}"
            case UInt8(ascii: "n"): return "\n"
            case UInt8(ascii: "r"): return "\r"
            case UInt8(ascii: "t"): return "\t"
            case UInt8(ascii: "u"):
                let high = try hexQuad()
                if (0xD800..<0xDC00).contains(high) {
                    guard bytes.count - index >= 2, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                        throw error("a high surrogate \\u\(String(high, radix: 16)) must be followed by a low surrogate")
                    }
                    index += 2
                    let low = try hexQuad()
                    guard (0xDC00..<0xE000).contains(low), let scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)) else {
                        throw error("\\u\(String(low, radix: 16)) is not a low surrogate")
                    }
                    return scalar
                }
                guard let scalar = Unicode.Scalar(high) else { throw error("\\u\(String(high, radix: 16)) is a lone low surrogate") }
                return scalar
            default:
                index -= 1
                let shown = letter >= 0x20 && letter < 0x7F ? String(Character(Unicode.Scalar(letter))) : String(format: "0x%02X", letter)
                throw error("unknown escape sequence '\\\(shown)'")
            }
        }

        mutating func hexQuad() throws -> UInt32 {
            let quad = bytes.count - index >= 4 ? bytes[index..<(index + 4)] : []
            // UInt32(_:radix:) would also take a sign; JSON allows hexadecimal digits only.
            guard quad.count == 4, quad.allSatisfy({ Character(Unicode.Scalar($0)).isHexDigit }),
                let value = UInt32(String(decoding: quad, as: UTF8.self), radix: 16)
            else {
                throw error("expected four hexadecimal digits after \\u")
            }
            index += 4
            return value
        }
    }
}
