import FlowTraining
import Foundation

/// JSON text of a `JSONValue` object: sorted keys, non-finite numbers as `null` plus the line's
/// `nonFinite` object (the rule `metrics.jsonl` follows).
enum JSONText {
    static func encode(_ object: [String: JSONValue]) throws -> String {
        String(decoding: try MetricRecord.encode(object), as: UTF8.self)
    }

    static func data(_ value: JSONValue) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// A number or null.
    static func number(_ value: Double?) -> JSONValue {
        guard let value, value.isFinite else { return .null }
        return .number(value)
    }

    static func number(_ value: Int?) -> JSONValue {
        value.map { .number(Double($0)) } ?? .null
    }

    static func string(_ value: String?) -> JSONValue {
        value.map { .string($0) } ?? .null
    }

    /// ISO 8601 (UTC, milliseconds) of seconds since 1970, or null.
    static func time(_ seconds: Double?) -> JSONValue {
        guard let seconds else { return .null }
        return .string(Date(timeIntervalSince1970: seconds).formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
    }
}
