import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting

/// HummingbirdTesting's client with the calls and the reply (`HTTPTestClient.Reply`: status,
/// lower-case header names, body) of the socket client, so a test reads the same in process
/// and against a `flowkit serve` process.
struct RouterClient: Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let client: any TestClientProtocol
    var token: String?

    /// The same client sending `Authorization: Bearer <token>` (nil: no header).
    func with(token: String?) -> RouterClient {
        RouterClient(client: client, token: token)
    }

    func get(_ path: String, headers: [String: String] = [:]) async throws -> HTTPTestClient.Reply {
        try await request("GET", path, headers: headers)
    }

    func post(_ path: String, json: Any) async throws -> HTTPTestClient.Reply {
        let body = try JSONSerialization.data(withJSONObject: json)
        return try await request("POST", path, headers: ["Content-Type": "application/json"], body: body)
    }

    func request(_ method: String, _ path: String, headers: [String: String] = [:], body: Data? = nil) async throws -> HTTPTestClient.Reply {
        var fields = HTTPFields()
        if let token { fields[.authorization] = "Bearer \(token)" }
        for (name, value) in headers {
            guard let field = HTTPField.Name(name) else { throw Failure(description: "bad header name \(name)") }
            fields[field] = value
        }
        guard let verb = HTTPRequest.Method(method) else { throw Failure(description: "bad method \(method)") }
        let response = try await client.executeRequest(uri: path, method: verb, headers: fields, body: body.map { ByteBuffer(bytes: $0) })
        var replyHeaders: [String: String] = [:]
        for field in response.headers {
            let name = field.name.canonicalName
            replyHeaders[name] = replyHeaders[name].map { $0 + ", " + field.value } ?? field.value
        }
        return HTTPTestClient.Reply(status: response.status.code, headers: replyHeaders, body: Data(response.body.readableBytesView))
    }
}
