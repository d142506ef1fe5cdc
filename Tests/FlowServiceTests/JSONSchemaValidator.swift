import FlowTraining
import Foundation

/// Checks a JSON value against an OpenAPI 3.0 schema, for the keywords the service's document
/// uses: `$ref` (to `#/components/schemas/…`), `type`, `nullable`, `enum`, `properties`,
/// `required`, `additionalProperties`, `items`, `minimum`/`maximum`/`exclusiveMinimum`,
/// `maxLength`, `pattern` and `format: date-time`. A keyword it does not know is an error, so a
/// schema never passes by being misread. With `closed`, an object schema that lists
/// `properties` admits no others (the server sends nothing the document does not describe).
struct JSONSchemaValidator {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The whole document, for `$ref`.
    let document: JSONValue
    var closed = true

    static let known: Set<String> = [
        "$ref", "type", "nullable", "enum", "properties", "required", "additionalProperties", "items", "minimum", "maximum",
        "exclusiveMinimum", "maxLength", "pattern", "format", "description", "example", "default",
    ]

    /// Every way `value` breaks `schema`, each with its JSON path (empty: it conforms).
    func problems(_ value: JSONValue, _ schema: JSONValue, at path: String = "$") -> [String] {
        guard case let .object(rules) = schema else { return ["\(path): the schema is not an object"] }
        if let unknown = rules.keys.first(where: { !Self.known.contains($0) }) { return ["\(path): unsupported schema keyword '\(unknown)'"] }
        if case let .string(reference)? = rules["$ref"] {
            guard let target = resolve(reference) else { return ["\(path): unresolved $ref \(reference)"] }
            return problems(value, target, at: path)
        }
        if value == .null {
            return rules["nullable"] == .bool(true) || rules["type"] == nil ? [] : ["\(path): null where the schema is not nullable"]
        }
        if case let .array(allowed)? = rules["enum"], !allowed.contains(value) {
            return ["\(path): \(value) is not one of \(allowed)"]
        }
        var found: [String] = []
        if case let .string(type)? = rules["type"] {
            if let mismatch = typeProblem(value, type, at: path) { return [mismatch] }
        }
        switch value {
        case let .object(members):
            found += objectProblems(members, rules, at: path)
        case let .array(elements):
            if let items = rules["items"] {
                for (index, element) in elements.enumerated() { found += problems(element, items, at: "\(path)[\(index)]") }
            }
        case let .number(number):
            found += numberProblems(number, rules, at: path)
        case let .string(text):
            found += stringProblems(text, rules, at: path)
        case .bool, .null:
            break
        }
        return found
    }

    private func resolve(_ reference: String) -> JSONValue? {
        guard reference.hasPrefix("#/") else { return nil }
        var node = document
        for key in reference.dropFirst(2).split(separator: "/") {
            guard case let .object(members) = node, let next = members[String(key)] else { return nil }
            node = next
        }
        return node
    }

    private func typeProblem(_ value: JSONValue, _ type: String, at path: String) -> String? {
        let fits: Bool =
            switch (type, value) {
            case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("number", .number): true
            case let ("integer", .number(number)): number == number.rounded(.towardZero) && number.isFinite
            default: false
            }
        return fits ? nil : "\(path): \(value) is not of type \(type)"
    }

    private func objectProblems(_ members: [String: JSONValue], _ rules: [String: JSONValue], at path: String) -> [String] {
        var found: [String] = []
        if case let .array(required)? = rules["required"] {
            for case let .string(name) in required where members[name] == nil { found.append("\(path): required '\(name)' is missing") }
        }
        let properties: [String: JSONValue]
        if case let .object(listed)? = rules["properties"] { properties = listed } else { properties = [:] }
        for (name, member) in members.sorted(by: { $0.key < $1.key }) {
            if let schema = properties[name] {
                found += problems(member, schema, at: "\(path).\(name)")
            } else if let extra = rules["additionalProperties"] {
                if extra == .bool(false) {
                    found.append("\(path): '\(name)' is not allowed (additionalProperties: false)")
                } else if case .object = extra {
                    found += problems(member, extra, at: "\(path).\(name)")
                }
            } else if closed && !properties.isEmpty {
                found.append("\(path): '\(name)' is not in the document")
            }
        }
        return found
    }

    private func numberProblems(_ number: Double, _ rules: [String: JSONValue], at path: String) -> [String] {
        var found: [String] = []
        if case let .number(minimum)? = rules["minimum"] {
            let exclusive = rules["exclusiveMinimum"] == .bool(true)
            if exclusive ? number <= minimum : number < minimum { found.append("\(path): \(number) is below the minimum \(minimum)") }
        }
        if case let .number(maximum)? = rules["maximum"], number > maximum { found.append("\(path): \(number) is above the maximum \(maximum)") }
        return found
    }

    private func stringProblems(_ text: String, _ rules: [String: JSONValue], at path: String) -> [String] {
        var found: [String] = []
        if case let .number(length)? = rules["maxLength"], Double(text.count) > length { found.append("\(path): longer than \(Int(length))") }
        if case let .string(pattern)? = rules["pattern"] {
            if let expression = try? NSRegularExpression(pattern: pattern) {
                let range = NSRange(text.startIndex..., in: text)
                if expression.firstMatch(in: text, range: range) == nil { found.append("\(path): '\(text)' does not match \(pattern)") }
            } else {
                found.append("\(path): the pattern \(pattern) is not a regular expression")
            }
        }
        if rules["format"] == .string("date-time") && !Self.isDateTime(text) {
            found.append("\(path): '\(text)' is not an RFC 3339 date-time")
        }
        return found
    }

    /// RFC 3339, with or without fractional seconds (the server writes them).
    static func isDateTime(_ text: String) -> Bool {
        (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)) != nil || (try? Date.ISO8601FormatStyle().parse(text)) != nil
    }
}
