import FlowTraining
import Foundation
import Synchronization

/// The served OpenAPI document as a test oracle: an answer of a route conforms when its status
/// is documented for the route, its media type is one the document lists for that status, and
/// a JSON body validates against that schema. Records what it checked, so a test can require
/// that every documented status of every route was seen.
final class OpenAPIContract: Sendable {
    let document: JSONValue
    let validator: JSONSchemaValidator
    private let seen = Mutex<Set<String>>([])

    init(document: JSONValue, closed: Bool = true) {
        self.document = document
        validator = JSONSchemaValidator(document: document, closed: closed)
    }

    convenience init(json: Data) throws {
        self.init(document: try JSONDecoder().decode(JSONValue.self, from: json))
    }

    /// Every documented answer: `METHOD /template STATUS`.
    var documented: Set<String> {
        guard let paths = document.member("paths")?.objectValue else { return [] }
        var keys: Set<String> = []
        for (path, operations) in paths {
            guard case let .object(methods) = operations else { continue }
            for (method, operation) in methods where method != "parameters" {
                guard case let .object(responses)? = operation.member("responses") else { continue }
                for status in responses.keys { keys.insert("\(method.uppercased()) \(path) \(status)") }
            }
        }
        return keys
    }

    var checked: Set<String> { seen.withLock { $0 } }

    /// Why `reply` to `method` on the route `template` breaks the document (empty: it conforms).
    func problems(_ reply: HTTPTestClient.Reply, _ method: String, _ template: String) -> [String] {
        let key = "\(method) \(template) \(reply.status)"
        guard let response = document.member("paths")?.member(template)?.member(method.lowercased())?.member("responses")?.member("\(reply.status)")
        else { return ["\(key): status not documented"] }
        seen.withLock { _ = $0.insert(key) }
        let mediaType = (reply.headers["content-type"] ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard case let .object(content)? = response.member("content") else { return reply.body.isEmpty ? [] : ["\(key): a body where none is documented"] }
        guard let media = content[mediaType] else { return ["\(key): content type '\(mediaType)' is not one of \(content.keys.sorted())"] }
        guard mediaType == "application/json", let schema = media.member("schema") else { return [] }
        let body: JSONValue
        do {
            body = try JSONDecoder().decode(JSONValue.self, from: reply.body)
        } catch {
            return ["\(key): the body is not JSON: \(reply.text.prefix(200))"]
        }
        return validator.problems(body, schema).map { "\(key): \($0)" }
    }
}

extension JSONValue {
    /// The member `key` of an object (nil for anything else).
    func member(_ key: String) -> JSONValue? {
        guard case let .object(members) = self else { return nil }
        return members[key]
    }

    var objectValue: [String: JSONValue]? {
        guard case let .object(members) = self else { return nil }
        return members
    }
}
