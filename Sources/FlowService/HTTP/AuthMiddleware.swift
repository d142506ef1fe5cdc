import Crypto
import Foundation
import Hummingbird

/// With a token configured, every request but the public probes (`/healthz`, `/readyz`,
/// `/metrics`, `/openapi.json`) and the dashboard page (`/`, which holds no data) needs
/// `Authorization: Bearer <token>`; the comparison is of the SHA-256 digests, in constant time.
/// A GET may instead carry the token in the `flowkit_token` cookie: the dashboard's event stream
/// and pictures cannot send headers. The cookie is never enough for a request that changes
/// anything, so another site cannot make a browser act with it.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    static let publicPaths: Set<String> = ["/", "/healthz", "/readyz", "/metrics", "/openapi.json"]

    let tokenDigest: [UInt8]?

    init(token: String?) {
        tokenDigest = token.map { Array(SHA256.hash(data: Data($0.utf8))) }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let tokenDigest, !Self.publicPaths.contains(request.uri.path) else { return try await next(request, context) }
        guard let header = request.headers[.authorization] else {
            if request.method == .get || request.method == .head, let cookie = Self.cookieToken(request) {
                guard Self.matches(cookie, tokenDigest) else { throw APIError.unauthorized("wrong token") }
                return try await next(request, context)
            }
            throw APIError.unauthorized("this server needs a token: send Authorization: Bearer <token>")
        }
        let prefix = "bearer "
        guard header.count > prefix.count, header.prefix(prefix.count).lowercased() == prefix else {
            throw APIError.unauthorized("the Authorization header must be 'Bearer <token>'")
        }
        guard Self.matches(String(header.dropFirst(prefix.count)), tokenDigest) else { throw APIError.unauthorized("wrong token") }
        return try await next(request, context)
    }

    static func matches(_ given: String, _ digest: [UInt8]) -> Bool {
        let hashed = Array(SHA256.hash(data: Data(given.utf8)))
        var difference: UInt8 = 0
        for (a, b) in zip(hashed, digest) { difference |= a ^ b }
        return difference == 0
    }

    /// The `flowkit_token` cookie's value (percent-decoded, as the dashboard writes it).
    static func cookieToken(_ request: Request) -> String? {
        guard let cookies = request.headers[.cookie] else { return nil }
        for part in cookies.split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces)
            if pair.hasPrefix("flowkit_token=") { return String(pair.dropFirst("flowkit_token=".count)).removingPercentEncoding }
        }
        return nil
    }
}
