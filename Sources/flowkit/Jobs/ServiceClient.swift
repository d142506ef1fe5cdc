import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A thin client of the training service's HTTP API, for `flowkit jobs …`. Errors carry the
/// server's `{"error": {"code", "message"}}` text, or say that the server could not be reached.
struct ServiceClient: Sendable {
    let base: URL
    let token: String?

    struct Failure: Error, CustomStringConvertible {
        let description: String
        /// The server's HTTP status, when it answered with an error (nil when it was not reached).
        var status: Int? = nil
    }

    /// A request's answer: status, headers and body.
    struct Reply: Sendable {
        let status: Int
        let contentType: String
        let body: Data

        /// The body as a JSON object (the API's answers are objects).
        func object() throws -> [String: Any] {
            guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
                throw Failure(description: "the server answered with something that is not a JSON object: \(String(decoding: body.prefix(200), as: UTF8.self))")
            }
            return object
        }
    }

    init(server: String, token: String?) throws {
        guard let url = URL(string: server), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            throw Failure(description: "--server must be an http:// or https:// URL, got '\(server)'")
        }
        base = url
        self.token = token
    }

    func request(_ method: String, _ path: String, query: [String: String] = [:], body: Data? = nil, contentType: String? = nil, accept: String? = nil)
        async throws -> Reply
    {
        var components = URLComponents(url: base.appendingPathComponent(path), resolvingAgainstBaseURL: false)
        if !query.isEmpty { components?.queryItems = query.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) } }
        guard let url = components?.url else { throw Failure(description: "cannot form a URL for \(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.httpBody = body
        request.timeoutInterval = 600
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        if let accept { request.setValue(accept, forHTTPHeaderField: "Accept") }
        let (data, response): (Data, URLResponse)
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw Failure(
                description:
                    "cannot reach the flowkit server at \(base.absoluteString) (\(error.localizedDescription)); start it with `flowkit serve` or pass --server")
        }
        let http = response as? HTTPURLResponse
        let reply = Reply(status: http?.statusCode ?? 0, contentType: http?.value(forHTTPHeaderField: "Content-Type") ?? "", body: data)
        guard (200..<300).contains(reply.status) else { throw Failure(description: Self.errorText(reply, method: method, path: path), status: reply.status) }
        return reply
    }

    func json(_ method: String, _ path: String, query: [String: String] = [:], body: [String: Any]? = nil) async throws -> [String: Any] {
        let data = try body.map { try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]) }
        return try await request(method, path, query: query, body: data, contentType: data == nil ? nil : "application/json").object()
    }

    private static func errorText(_ reply: Reply, method: String, path: String) -> String {
        if let object = try? JSONSerialization.jsonObject(with: reply.body) as? [String: Any], let error = object["error"] as? [String: Any] {
            let code = error["code"] as? String ?? "error"
            return "\(method) \(path): \(reply.status) \(code): \(error["message"] as? String ?? "")"
        }
        return "\(method) \(path): HTTP \(reply.status) \(String(decoding: reply.body.prefix(300), as: UTF8.self))"
    }
}
