import Foundation

/// A config error names the key (with its path) and what is wrong with it.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public let key: String
    public let message: String

    public init(key: String, _ message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { key.isEmpty ? "config: \(message)" : "config key '\(key)': \(message)" }
}

/// Reads one JSON object of a config strictly: typed getters with defaults, and `finish()`
/// rejects every key that no getter asked for (a misspelt key is an error, never silently ignored).
struct ConfigReader {
    let path: String
    private let object: [String: JSONValue]
    private var used: Set<String> = []

    init(_ value: JSONValue?, path: String) throws {
        guard case let .object(object)? = value else {
            throw ConfigError(key: path, "expected an object, got \(value?.summary ?? "nothing")")
        }
        self.object = object
        self.path = path
    }

    private func key(_ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }

    func has(_ name: String) -> Bool {
        guard let value = object[name] else { return false }
        return value != .null
    }

    /// The value of `name` unless absent or null (and marks the key as known).
    private mutating func value(_ name: String) -> JSONValue? {
        used.insert(name)
        return has(name) ? object[name] : nil
    }

    mutating func string(_ name: String, default fallback: String? = nil, allowed: [String]? = nil) throws -> String {
        guard let raw = value(name) else {
            guard let fallback else { throw ConfigError(key: key(name), "is required") }
            return fallback
        }
        guard case let .string(value) = raw else { throw ConfigError(key: key(name), "expected a string, got \(raw.summary)") }
        if let allowed, !allowed.contains(value) {
            throw ConfigError(key: key(name), "'\(value)' is not one of \(allowed.joined(separator: ", "))")
        }
        return value
    }

    /// One of an enumeration's raw values.
    mutating func choice<T: RawRepresentable & CaseIterable>(_ name: String, default fallback: T? = nil) throws -> T
    where T.RawValue == String {
        let allowed = T.allCases.map(\.rawValue)
        let text = try string(name, default: fallback?.rawValue, allowed: allowed)
        guard let value = T(rawValue: text) else { throw ConfigError(key: key(name), "'\(text)' is not one of \(allowed)") }
        return value
    }

    /// One of an enumeration's raw values, or nil when the key is absent (or null).
    mutating func optionalChoice<T: RawRepresentable & CaseIterable>(_ name: String) throws -> T? where T.RawValue == String {
        has(name) ? try choice(name) as T : markUnset(name)
    }

    mutating func optionalString(_ name: String) throws -> String? {
        has(name) ? try string(name) : markUnset(name)
    }

    /// An integer within `range` (every integer key has an upper bound: see `ConfigLimits`).
    mutating func int(_ name: String, default fallback: Int? = nil, in range: ClosedRange<Int>) throws -> Int {
        guard let raw = value(name) else {
            guard let fallback else { throw ConfigError(key: key(name), "is required") }
            return fallback
        }
        guard case let .number(number) = raw, number == number.rounded() else {
            throw ConfigError(key: key(name), "expected an integer, got \(raw.summary)")
        }
        // Compared as Double first, so a value beyond Int's range is an error rather than a trap.
        guard number >= Double(range.lowerBound), number <= Double(range.upperBound) else {
            throw ConfigError(key: key(name), "must be in \(range.lowerBound)...\(range.upperBound), got \(raw.summary)")
        }
        return Int(number)
    }

    mutating func optionalInt(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        has(name) ? try int(name, in: range) : markUnset(name)
    }

    mutating func double(_ name: String, default fallback: Double? = nil, range: ClosedRange<Double>? = nil) throws -> Double {
        guard let raw = value(name) else {
            guard let fallback else { throw ConfigError(key: key(name), "is required") }
            return fallback
        }
        guard case let .number(number) = raw, number.isFinite else {
            throw ConfigError(key: key(name), "expected a number, got \(raw.summary)")
        }
        if let range, !range.contains(number) {
            throw ConfigError(key: key(name), "must be in \(range.lowerBound)...\(range.upperBound), got \(number)")
        }
        return number
    }

    mutating func optionalDouble(_ name: String, range: ClosedRange<Double>? = nil) throws -> Double? {
        has(name) ? try double(name, range: range) : markUnset(name)
    }

    mutating func bool(_ name: String, default fallback: Bool) throws -> Bool {
        guard let raw = value(name) else { return fallback }
        guard case let .bool(flag) = raw else { throw ConfigError(key: key(name), "expected true or false, got \(raw.summary)") }
        return flag
    }

    mutating func object(_ name: String) throws -> ConfigReader {
        used.insert(name)
        return try ConfigReader(object[name] ?? .object([:]), path: key(name))
    }

    /// A key that belongs to another variant (another model kind): absent or null is accepted, as
    /// for every optional key, and any value is an error with `reason`.
    mutating func onlyFor(_ name: String, _ reason: String) throws {
        used.insert(name)
        if has(name) { throw ConfigError(key: key(name), reason) }
    }

    private mutating func markUnset<T>(_ name: String) -> T? {
        used.insert(name)
        return nil
    }

    /// Throws for the first key nobody asked for, suggesting a near match.
    func finish() throws {
        for name in object.keys.sorted() where !used.contains(name) {
            let suggestion = KeySuggestion.nearest(to: name, among: used).map { " (did you mean '\($0)'?)" } ?? ""
            throw ConfigError(key: key(name), "unknown key\(suggestion); known keys here: \(used.sorted().joined(separator: ", "))")
        }
    }
}
