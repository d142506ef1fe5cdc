import Foundation
import Testing

@testable import FlowTraining

/// The strict parser configs are read with: JSON's grammar exactly, errors with line and column,
/// duplicate keys refused, nesting bounded, and the same values Foundation's parser gives.
struct StrictJSONTests {
    static func parse(_ text: String) throws -> JSONValue { try StrictJSON.parse(Data(text.utf8)) }

    static func error(_ text: String) -> StrictJSON.SyntaxError? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error as? StrictJSON.SyntaxError
        }
    }

    @Test func valuesMatchFoundation() throws {
        let text = #"{"a": [1, -2.5e3, 0, 0.125, true, false, null], "b": {"c": "x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"}, "d": 1E-2}"#
        let ours = try Self.parse(text)
        let theirs = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(ours == theirs)
        #expect(try Self.parse(" \n\t 42 \r\n") == .number(42))
        #expect(try Self.parse("\u{FEFF}{}") == .object([:]))
    }

    @Test(arguments: [
        ("", 1, 1, "unexpected end of file"),
        ("{\"a\": 1,\n \"a\": 2}", 2, 2, "duplicate key 'a'"),
        ("{\"outer\": {\"k\": 1, \"k\": 1}}", 1, 20, "duplicate key 'k'"),
        ("[1, 2,]", 1, 7, "unexpected character ']'"),
        ("01", 1, 1, "leading zeros"),
        ("-", 1, 2, "expected a digit after '-'"),
        ("1.", 1, 3, "after the decimal point"),
        ("1e", 1, 3, "in the exponent"),
        ("1e999", 1, 1, "out of range"),
        ("+1", 1, 1, "unexpected character '+'"),
        ("\"abc", 1, 5, "missing closing"),
        ("\"a\tb\"", 1, 3, "control character"),
        ("\"\\x\"", 1, 3, "unknown escape sequence '\\x'"),
        ("\"\\u12g4\"", 1, 4, "four hexadecimal digits"),
        ("\"\\u+123\"", 1, 4, "four hexadecimal digits"),
        ("\"\\ud800\"", 1, 8, "low surrogate"),
        ("\"\\udc00\"", 1, 8, "lone low surrogate"),
        ("tru", 1, 1, "did you mean 'true'"),
        ("{} {}", 1, 4, "after the end of the document"),
        ("{\"é\": x}", 1, 7, "unexpected character 'x'"),
        ("{1: 2}", 1, 2, "expected a key in double quotes"),
        ("{\"a\" 1}", 1, 6, "expected ':'"),
    ])
    func errorsSayWhereAndWhat(text: String, line: Int, column: Int, message: String) throws {
        let error = try #require(Self.error(text), "accepted: \(text)")
        #expect(error.line == line && error.column == column, "\(error)")
        #expect(error.message.contains(message), "\(error)")
    }

    /// A hostile file nested a million levels deep is an error, not a stack overflow.
    @Test func nestingIsBounded() throws {
        let deep = String(repeating: "[", count: 1_000_000)
        let error = try #require(Self.error(deep))
        #expect(error.message.contains("nested deeper than \(StrictJSON.maximumDepth)"))
        let allowed = String(repeating: "[", count: StrictJSON.maximumDepth) + String(repeating: "]", count: StrictJSON.maximumDepth)
        #expect(throws: Never.self) { try Self.parse(allowed) }
    }

    @Test func invalidUTF8InAStringIsAnError() throws {
        let error = try #require(Self.errorBytes([0x22, 0xFF, 0x22]))
        #expect(error.message.contains("UTF-8"))
    }

    static func errorBytes(_ bytes: [UInt8]) -> StrictJSON.SyntaxError? {
        do {
            _ = try StrictJSON.parse(Data(bytes))
            return nil
        } catch {
            return error as? StrictJSON.SyntaxError
        }
    }
}
