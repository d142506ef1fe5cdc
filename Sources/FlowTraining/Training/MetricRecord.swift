import Foundation

/// One line of `metrics.jsonl` (and `flowkit eval`'s output) as JSON. JSON has no NaN or
/// infinity, and a diverged evaluation must still be recorded, so a number that is not finite is
/// written as `null` and the line's `nonFinite` object names each such key with what it held:
/// `{"validationNLL": null, "nonFinite": {"validationNLL": "inf"}}`.
public enum MetricRecord {
    public static func encode(_ object: [String: JSONValue]) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(JSONValue.object(representable(object)))
    }

    /// `object` with every non-finite number replaced by null and listed under `nonFinite`.
    public static func representable(_ object: [String: JSONValue]) -> [String: JSONValue] {
        var result = object
        var nonFinite: [String: JSONValue] = [:]
        for (key, value) in object {
            guard case let .number(number) = value, !number.isFinite else { continue }
            result[key] = .null
            nonFinite[key] = .string(name(number))
        }
        if !nonFinite.isEmpty { result["nonFinite"] = .object(nonFinite) }
        return result
    }

    /// "nan", "inf" or "-inf", the spellings NumPy, pandas and Python's `float()` read back.
    public static func name(_ value: Double) -> String {
        value.isNaN ? "nan" : value > 0 ? "inf" : "-inf"
    }
}
